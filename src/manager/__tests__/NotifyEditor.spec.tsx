import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { INotify } from '../../api/types';
import { INotifyForm, notifyForm, notifyFromForm } from '../notify';
import { NotifyEditor } from '../NotifyEditor';

afterEach(cleanup);

/** The editor with its state, as the dialog holds it. */
function Editor(props: { initial: INotify | null; seen: INotifyForm[] }) {
  const [value, setValue] = React.useState(notifyForm(props.initial));
  return (
    <NotifyEditor
      idPrefix="t"
      value={value}
      onChange={form => {
        props.seen.push(form);
        setValue(form);
      }}
    />
  );
}

const last = (seen: INotifyForm[]): INotify =>
  notifyFromForm(seen[seen.length - 1]);

describe('NotifyEditor', () => {
  it('turns what the user sets into the PATCH body’s notify', () => {
    const seen: INotifyForm[] = [];
    render(<Editor initial={null} seen={seen} />);
    // The defaults: failures on (to the defaults), success and start off
    const failure = screen.getByRole('checkbox', { name: 'On failure' });
    const success = screen.getByRole('checkbox', { name: 'On success' });
    expect((failure as HTMLInputElement).checked).toBe(true);
    expect((success as HTMLInputElement).checked).toBe(false);
    expect(
      (screen.getByLabelText('On success: e-mails') as HTMLInputElement)
        .disabled
    ).toBe(true);

    fireEvent.change(screen.getByLabelText('On failure: e-mails'), {
      target: { value: 'ops@example.com, ana@example.com' }
    });
    fireEvent.click(success);
    fireEvent.change(screen.getByLabelText('On success: webhooks'), {
      target: { value: 'https://hooks.slack.com/services/T/B/x' }
    });
    fireEvent.click(screen.getByRole('checkbox', { name: 'On start' }));
    expect({ notify: last(seen) }).toEqual({
      notify: {
        on_failure: { to: ['ops@example.com', 'ana@example.com'] },
        on_success: { webhooks: ['https://hooks.slack.com/services/T/B/x'] },
        on_start: true
      }
    });

    fireEvent.click(screen.getByRole('checkbox', { name: 'On failure' }));
    expect(last(seen).on_failure).toBe(false);
    expect(
      screen.getByText(/Kept until the product's next deploy/)
    ).toBeTruthy();
  });

  it('says at once which address is wrong', () => {
    const seen: INotifyForm[] = [];
    render(
      <Editor initial={{ on_start: { to: ['a@example.com'] } }} seen={seen} />
    );
    const start = screen.getByLabelText(
      'On start: e-mails'
    ) as HTMLInputElement;
    expect(start.value).toBe('a@example.com');
    fireEvent.change(start, { target: { value: 'a@example.com nobody' } });
    expect(screen.getByRole('alert').textContent).toBe(
      'On start: "nobody" is not an e-mail address.'
    );
    expect(start.getAttribute('aria-invalid')).toBe('true');
    // The dialog's Save is disabled while a field is :invalid
    expect(start.validity.valid).toBe(false);
  });
});
