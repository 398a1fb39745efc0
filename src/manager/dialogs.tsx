/**
 * The dialogs the Manager opens through JupyterLab: a confirmation, and a job's
 * notifications (the NotifyEditor in a dialog).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { INotify } from '../api/types';
import { IConfirmation } from './host';
import { INotifyForm, formProblem, notifyForm, notifyFromForm } from './notify';
import { NotifyEditor } from './NotifyEditor';

/** Ask to confirm an action; true to go ahead. */
export async function confirmDialog(
  confirmation: IConfirmation
): Promise<boolean> {
  const result = await showDialog({
    title: confirmation.title,
    body: confirmation.body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({
        label: confirmation.accept,
        displayType: confirmation.danger ? 'warn' : 'default'
      })
    ]
  });
  return result.button.accept;
}

/** The body of the dialog: the form, its value the `notify` to save. */
export class NotifyDialogBody extends ReactWidget {
  constructor(form: INotifyForm) {
    super();
    this.addClass('naas-NotifyDialog');
    this._form = form;
  }

  /** The form as the user left it. */
  get form(): INotifyForm {
    return this._form;
  }

  /** The `notify` the form says; throws when an address or a URL is wrong. */
  getValue(): INotify {
    const problem = formProblem(this._form);
    if (problem) {
      throw new Error(problem);
    }
    return notifyFromForm(this._form);
  }

  render(): JSX.Element {
    return (
      <NotifyEditor
        idPrefix="naas-notify"
        value={this._form}
        onChange={form => {
          this._form = form;
          this.update();
        }}
      />
    );
  }

  private _form: INotifyForm;
}

const USE_DEFAULTS = 'Use defaults';

/**
 * Ask for a job's notifications: the `notify` to save, null to go back to the defaults,
 * undefined when cancelled.
 */
export async function editNotifyDialog(
  notify: INotify | null,
  label: string
): Promise<INotify | null | undefined> {
  let form = notifyForm(notify);
  // A wrong address disables Save (the fields say why); should one get through, the dialog
  // shows again with what was typed.
  for (;;) {
    const body = new NotifyDialogBody(form);
    try {
      const result = await showDialog<INotify>({
        title: `Notifications of ${label}`,
        body,
        buttons: [
          Dialog.cancelButton(),
          Dialog.createButton({
            label: USE_DEFAULTS,
            accept: false,
            caption:
              'Failures to the default recipients and webhooks, nothing on success or start'
          }),
          Dialog.okButton({ label: 'Save' })
        ],
        focusNodeSelector: 'input'
      });
      if (result.button.accept) {
        return result.value ?? undefined;
      }
      return result.button.label === USE_DEFAULTS ? null : undefined;
    } catch {
      form = body.form;
    }
  }
}
