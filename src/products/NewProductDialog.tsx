/**
 * The dialog of the palette command "New data product": the same form as the sidebar,
 * shown again with its errors until it is valid and the server accepts it, or cancelled.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { FormErrors, IProductForm, validateForm } from './validation';
import { IFieldError, ProductForm } from './ProductForm';

class FormBody extends ReactWidget implements Dialog.IBodyWidget<IProductForm> {
  constructor(
    private value: IProductForm,
    private readonly errors: FormErrors,
    private readonly failure: string | null
  ) {
    super();
    this.addClass('naas-NewProductDialog');
  }

  getValue(): IProductForm {
    return this.value;
  }

  render(): JSX.Element {
    return (
      <>
        {this.failure ? (
          <div className="naas-Form-failure" role="alert">
            {this.failure}
          </div>
        ) : null}
        <ProductForm
          idPrefix="naas-dialog"
          initial={this.value}
          initialErrors={this.errors}
          showSubmit={false}
          onChange={form => (this.value = form)}
        />
      </>
    );
  }
}

/**
 * Ask for a new product until `create` succeeds; resolves false if the user cancels.
 */
export async function newProductDialog(
  initial: IProductForm,
  create: (form: IProductForm) => Promise<void>
): Promise<boolean> {
  let value = initial;
  let errors: FormErrors = {};
  let failure: string | null = null;
  for (;;) {
    const result = await showDialog<IProductForm>({
      title: 'New data product',
      body: new FormBody(value, errors, failure),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: 'Create', ariaLabel: 'Create data product' })
      ],
      focusNodeSelector: 'input'
    });
    if (!result.button.accept || !result.value) {
      return false;
    }
    value = result.value;
    errors = validateForm(value);
    failure = null;
    if (Object.keys(errors).length > 0) {
      continue;
    }
    try {
      await create(value);
      return true;
    } catch (error) {
      const err = error as IFieldError;
      if (err.field && err.field in value) {
        errors = { [err.field]: err.message };
      } else {
        failure = err.message ?? String(error);
      }
    }
  }
}
