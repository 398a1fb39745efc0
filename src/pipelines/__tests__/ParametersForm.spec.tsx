import {
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { formFields } from '../parameters';
import { ParametersForm } from '../ParametersForm';
import { etlPipeline } from './fixtures';

afterEach(cleanup);

const fields = formFields([
  ...etlPipeline().parameters,
  {
    name: 'debug',
    type: 'bool',
    default: 'False',
    value: false,
    help: '',
    steps: []
  },
  {
    name: 'tags',
    type: 'List[str]',
    default: "['a']",
    value: ['a'],
    help: '',
    steps: ['Publish']
  }
]);

function renderForm(onSubmit = vi.fn(async () => undefined)) {
  render(<ParametersForm idPrefix="t" fields={fields} onSubmit={onSubmit} />);
  return onSubmit;
}

describe('ParametersForm', () => {
  it('shows a typed field per parameter with the value a run uses', () => {
    renderForm();
    const days = screen.getByLabelText(/days/) as HTMLInputElement;
    expect(days.placeholder).toBe('3');
    expect(days.getAttribute('inputmode')).toBe('numeric');
    expect(days.value).toBe('');
    expect(
      screen.getByText(/days of history\. Default 3; the notebook says 7/)
    ).toBeTruthy();
    expect(
      (screen.getByLabelText(/region/) as HTMLInputElement).placeholder
    ).toBe('EU');
    const debug = screen.getByLabelText(/debug/) as HTMLSelectElement;
    expect(debug.tagName).toBe('SELECT');
    expect(debug.options[0].textContent).toBe('Default (False)');
    expect(screen.getByLabelText(/tags/).tagName).toBe('TEXTAREA');
    // the run sets these itself
    expect(screen.queryByLabelText(/pipeline_output_path/)).toBeNull();
  });

  it('refuses invalid values with a message per field, and does not start', async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(/days/), {
      target: { value: 'a week' }
    });
    fireEvent.change(screen.getByLabelText(/tags/), {
      target: { value: "['x']" }
    });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect(
      await screen.findByText('days must be a whole number, e.g. 7.')
    ).toBeTruthy();
    expect(
      screen.getByText(
        'tags must be a JSON list, e.g. ["a", "b"] (with double quotes).'
      )
    ).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe(
      '2 values are not valid: fix them to start the run.'
    );
    expect(screen.getByLabelText(/days/).getAttribute('aria-invalid')).toBe(
      'true'
    );
    expect(document.activeElement).toBe(screen.getByLabelText(/days/));
    expect(onSubmit).not.toHaveBeenCalled();
    // fixing a field clears its message as the user types
    fireEvent.change(screen.getByLabelText(/days/), {
      target: { value: '14' }
    });
    expect(
      screen.queryByText('days must be a whole number, e.g. 7.')
    ).toBeNull();
  });

  it('sends only the values typed, parsed to their type', async () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(/days/), {
      target: { value: '14' }
    });
    fireEvent.change(screen.getByLabelText(/debug/), {
      target: { value: 'True' }
    });
    fireEvent.change(screen.getByLabelText(/tags/), {
      target: { value: '["x", "y"]' }
    });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalled());
    expect(onSubmit).toHaveBeenCalledWith({
      days: 14,
      debug: true,
      tags: ['x', 'y']
    });
  });

  it("shows the server's answer when it refuses the run", async () => {
    renderForm(
      vi.fn(async () => {
        throw new Error(
          "'shop/models/etl.ipynb' is not a notebook (.ipynb file)."
        );
      })
    );
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      "'shop/models/etl.ipynb' is not a notebook (.ipynb file)."
    );
    expect(
      (screen.getByRole('button', { name: 'Start run' }) as HTMLButtonElement)
        .disabled
    ).toBe(false);
  });

  it('says when there is nothing to ask', () => {
    render(<ParametersForm idPrefix="t" fields={[]} onSubmit={vi.fn()} />);
    expect(screen.getByText(/declare no parameters/)).toBeTruthy();
  });
});
