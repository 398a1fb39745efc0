import {
  act,
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { IFieldError, ProductForm } from '../ProductForm';
import { IProductForm } from '../validation';

afterEach(cleanup);

const type = (label: string, value: string): void => {
  fireEvent.change(screen.getByLabelText(label, { exact: false }), {
    target: { value }
  });
};

describe('ProductForm', () => {
  it('moves the focus to the first field at fault on an empty submit, into view (UI finding 2)', async () => {
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    try {
      render(<ProductForm idPrefix="t" onSubmit={vi.fn()} />);
      const create = screen.getByRole('button', { name: 'Create' });
      create.focus();
      fireEvent.click(create);
      const name = screen.getByLabelText('Folder name', { exact: false });
      await waitFor(() => expect(document.activeElement).toBe(name));
      expect(name.getAttribute('aria-invalid')).toBe('true');
      expect(scrolled).toHaveBeenCalled();
      expect(scrolled.mock.contexts[0]).toBe(name);
    } finally {
      delete (Element.prototype as Partial<Element>).scrollIntoView;
    }
  });

  it('moves the focus to the failure the server gave', async () => {
    render(
      <ProductForm
        idPrefix="t"
        onSubmit={async () => {
          throw new Error('The disk is full.');
        }}
      />
    );
    type('Title', 'Sales');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  it('suggests the folder name from the title until the name is edited', () => {
    render(<ProductForm idPrefix="t" />);
    type('Title', 'Weekly Sales Report');
    const name = screen.getByLabelText('Folder name', { exact: false });
    expect((name as HTMLInputElement).value).toBe('weekly-sales-report');
    type('Folder name', 'custom');
    type('Title', 'Something Else');
    expect((name as HTMLInputElement).value).toBe('custom');
  });

  it('shows every field error on submit and does not call onSubmit', async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<ProductForm idPrefix="t" onSubmit={onSubmit} />);
    type('Contact email', 'nope');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() =>
      expect(screen.getByText(/Give the product a folder name/)).toBeTruthy()
    );
    expect(screen.getByText(/Enter an email address/)).toBeTruthy();
    const email = screen.getByLabelText('Contact email', { exact: false });
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('submits a valid form and resets it, keeping the defaults', async () => {
    const received: IProductForm[] = [];
    render(
      <ProductForm
        idPrefix="t"
        initial={{ contact_name: 'Ada' }}
        onSubmit={async form => {
          received.push(form);
        }}
      />
    );
    type('Title', 'Sales');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      name: 'sales',
      title: 'Sales',
      contact_name: 'Ada'
    });
    const title = screen.getByLabelText('Title') as HTMLInputElement;
    expect(title.value).toBe('');
    const contact = screen.getByLabelText('Contact name') as HTMLInputElement;
    expect(contact.value).toBe('Ada');
  });

  it('shows a server error on the field it names, and a general one as an alert', async () => {
    let attempt = 0;
    render(
      <ProductForm
        idPrefix="t"
        onSubmit={async () => {
          attempt += 1;
          const error: IFieldError = new Error(
            attempt === 1 ? 'The folder exists' : 'Server unreachable'
          );
          error.field = attempt === 1 ? 'name' : null;
          throw error;
        }}
      />
    );
    type('Folder name', 'sales');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    });
    const name = screen.getByLabelText('Folder name', { exact: false });
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('The folder exists')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    });
    expect(screen.getByRole('alert').textContent).toBe('Server unreachable');
  });

  it('disables the button while creating', async () => {
    let finish: () => void = () => undefined;
    render(
      <ProductForm
        idPrefix="t"
        onSubmit={() => new Promise<void>(resolve => (finish = resolve))}
      />
    );
    type('Folder name', 'sales');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    const busy = await screen.findByRole('button', { name: 'Creating…' });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    await act(async () => finish());
    expect(screen.getByRole('button', { name: 'Create' })).toBeTruthy();
  });
});
