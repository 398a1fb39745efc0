/**
 * Pipelines: the Pipeline view (one per pipeline notebook, restored with the layout), the
 * Open pipeline / Run pipeline commands (palette, file browser and notebook context menus)
 * and the Pipelines section of the Data Products panel.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  WidgetTracker,
  showDialog
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { JSONObject, ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { openDocument } from '../opening';
import { TEMPLATES_FOLDER } from '../paths';
import {
  followSettings,
  notifyError,
  productsToChoose
} from '../pluginHelpers';
import {
  CommandIDs,
  INaasLab,
  IRunNotices,
  PIPELINES_PLUGIN_ID
} from '../tokens';
import { PipelinesService } from './api';
import { notPipelineMessage, PipelineNotebooks } from './detect';
import { PipelineChooserBody } from './PipelineChooser';
import { PipelinePanel } from './PipelinePanel';
import { PipelinesSection } from './PipelinesSection';
import { isPipelineNotebook, pipelineTitle, statusInfo } from './runs';
import { IRun } from './types';

/** User settings (schema/pipelines.json). */
interface ISettings {
  pollInterval: number;
  runLimit: number;
  notifyRunEnd: boolean;
}

const DEFAULT_SETTINGS: ISettings = {
  pollInterval: 1,
  runLimit: 20,
  notifyRunEnd: true
};

export const pipelinesPlugin: JupyterFrontEndPlugin<void> = {
  id: PIPELINES_PLUGIN_ID,
  description:
    'Pipelines: the DAG view with live run status, Run with parameters, Cancel, executed notebooks.',
  autoStart: true,
  requires: [INaasLab, IDocumentManager],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    IDefaultFileBrowser,
    ISettingRegistry,
    IRunNotices
  ],
  activate: (
    app: JupyterFrontEnd,
    naas: INaasLab,
    docManager: IDocumentManager,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    fileBrowser: IDefaultFileBrowser | null,
    settingRegistry: ISettingRegistry | null,
    notices: IRunNotices | null
  ) => {
    const { products } = naas;
    const service = new PipelinesService(naas.serverSettings);
    const settings: ISettings = { ...DEFAULT_SETTINGS };
    const tracker = new WidgetTracker<PipelinePanel>({
      namespace: 'naas-pipeline'
    });
    restorer?.restore(tracker, {
      command: CommandIDs.openPipeline,
      args: widget => ({ path: widget.path, restoring: true }),
      name: widget => widget.path
    });

    const report = (reason: unknown): void => notifyError(reason, 10000);

    const notifyEnd = (panel: PipelinePanel, run: IRun): void => {
      if (!settings.notifyRunEnd) {
        return;
      }
      // The Manager's failure toasts may have shown this run already: one toast a run.
      if (notices && !notices.claim(run.id)) {
        return;
      }
      const info = statusInfo(run.status);
      const failed = run.steps
        .filter(s => s.status === 'FAILED')
        .map(s =>
          s.error ? `${s.name} (${s.error.name}: ${s.error.message})` : s.name
        );
      const text =
        `Pipeline ${pipelineTitle(panel.path, run.product, run.pipeline)} ` +
        `${info.label.toLowerCase()}` +
        (failed.length ? ` at ${failed.join('; ')}` : '') +
        (run.error ? `: ${run.error}` : '');
      const actions = panel.isDisposed
        ? []
        : [
            {
              label: 'Show',
              callback: () => app.shell.activateById(panel.id)
            }
          ];
      if (
        run.status !== 'SUCCEEDED' &&
        app.commands.hasCommand(CommandIDs.openManager)
      ) {
        actions.push({
          label: 'Open in Manager',
          callback: () =>
            void app.commands.execute(CommandIDs.openManager, { run: run.id })
        });
      }
      const options = {
        autoClose: run.status === 'SUCCEEDED' ? 5000 : (false as const),
        actions
      };
      if (run.status === 'SUCCEEDED') {
        Notification.success(text, options);
      } else if (run.status === 'FAILED') {
        Notification.error(text, options);
      } else {
        Notification.warning(text, options);
      }
    };

    /** The notebook last opened from each view: the next one opens in its tab group. */
    const opened = new WeakMap<PipelinePanel, Widget>();
    /** Open a file from a Pipeline view beside it, so the graph stays in sight. */
    const openBeside = (panel: PipelinePanel, path: string): void => {
      const last = opened.get(panel);
      const options: Parameters<IDocumentManager['openOrReveal']>[3] =
        last && !last.isDisposed && last.isAttached
          ? { mode: 'tab-after', ref: last.id }
          : { mode: 'split-right', ref: panel.id };
      const widget = openDocument(docManager, path, undefined, options);
      if (widget) {
        opened.set(panel, widget);
      }
    };

    /**
     * The view of `path`: revealed if open, else created. While the layout is restored
     * (`activate` false) it is only added: the restorer alone says which tab is in front.
     */
    const openView = (path: string, activate = true): PipelinePanel => {
      const existing = tracker.find(w => w.path === path);
      if (existing) {
        if (activate) {
          app.shell.activateById(existing.id);
        }
        return existing;
      }
      const panel: PipelinePanel = new PipelinePanel({
        service,
        path,
        open: file => openBeside(panel, file),
        pollInterval: settings.pollInterval,
        runLimit: settings.runLimit
      });
      panel.model.runFinished.connect((_, run) => notifyEnd(panel, run));
      app.shell.add(panel, 'main', { activate });
      void tracker.add(panel);
      if (activate) {
        app.shell.activateById(panel.id);
      }
      return panel;
    };

    /** Pipeline notebooks, known as the file browser lists them. */
    const pipelineNotebooks = new PipelineNotebooks(
      app.serviceManager.contents
    );

    /** Refuse a notebook that creates no Pipeline: reading it would run all of it. */
    const checkPipelineNotebook = async (path: string): Promise<void> => {
      if (!path.endsWith('.ipynb') || !(await pipelineNotebooks.check(path))) {
        throw new Error(notPipelineMessage(path));
      }
    };

    /** The notebook path of the current main-area document, if it is a notebook. */
    const currentNotebook = (): string | null => {
      const widget = app.shell.currentWidget;
      const context = widget ? docManager.contextForWidget(widget) : undefined;
      return context && context.path.endsWith('.ipynb') ? context.path : null;
    };

    /** True when the current notebook, as edited, creates a Pipeline. */
    const currentIsPipeline = (): boolean => {
      const widget = app.shell.currentWidget;
      const context = widget ? docManager.contextForWidget(widget) : undefined;
      return (
        !!context &&
        context.path.endsWith('.ipynb') &&
        isPipelineNotebook(context.model.toJSON())
      );
    };

    const selectedFile = (): string | null => {
      const item = fileBrowser?.selectedItems().next();
      return item && !item.done ? item.value.path : null;
    };

    /** A notebook the file browser may offer as a pipeline: inside a product, not outputs. */
    const mayBePipeline = (path: string | null): boolean => {
      if (!path || !path.endsWith('.ipynb')) {
        return false;
      }
      if (path.split('/')[0] === TEMPLATES_FOLDER) {
        return false;
      }
      return products.products.some(p => {
        const prefix = p.path ? `${p.path}/` : '';
        return (
          path.startsWith(prefix) &&
          !path.slice(prefix.length).startsWith('outputs/')
        );
      });
    };

    /** In the file browser: a notebook of a product, not known to be no pipeline. */
    const offeredInFileBrowser = (path: string | null): boolean =>
      mayBePipeline(path) && pipelineNotebooks.known(path as string) !== false;

    /** Ask which pipeline of which product (preselecting the current notebook's). */
    const choosePipeline = async (action: string): Promise<string | null> => {
      const choices = (await productsToChoose(products)).map(p => ({
        path: p.path,
        title: p.manifest?.title ?? p.path
      }));
      const current = currentNotebook();
      const owner = current
        ? choices
            .filter(c => c.path === '' || current.startsWith(`${c.path}/`))
            .sort((a, b) => b.path.length - a.path.length)[0]
        : undefined;
      const initialProduct =
        owner?.path ??
        choices.find(c => c.path === products.selected?.path)?.path ??
        choices[0].path;
      const result = await showDialog<string | null>({
        title: `${action} pipeline`,
        body: new PipelineChooserBody({
          service,
          products: choices,
          initialProduct,
          initialPipeline: current
        }),
        buttons: [
          Dialog.cancelButton(),
          Dialog.okButton({ label: action, ariaLabel: `${action} pipeline` })
        ]
      });
      return result.button.accept ? result.value : null;
    };

    /** The pipeline notebook a command acts on: its args, the file browser, the current
     * notebook, else ask. Null when the user cancelled. */
    const targetOf = async (
      args: ReadonlyPartialJSONObject,
      action: string
    ): Promise<string | null> => {
      let path: string | null = null;
      if (typeof args.path === 'string' && args.path) {
        path = args.path;
      } else if (args.fromFileBrowser) {
        path = selectedFile();
      } else if (args.fromCurrent) {
        path = currentNotebook();
      }
      if (!path) {
        return choosePipeline(action);
      }
      await checkPipelineNotebook(path);
      return path;
    };

    // Read the listed folder's notebooks ahead, so the menu knows which are pipelines.
    const scanFolder = (): void => {
      if (fileBrowser) {
        void pipelineNotebooks.scan(fileBrowser.model.items(), mayBePipeline);
      }
    };
    fileBrowser?.model.refreshed.connect(scanFolder);
    products.changed.connect(scanFolder);

    /** Where the commands are offered: on a pipeline notebook in context menus. */
    const offeredFor = (args: ReadonlyPartialJSONObject): boolean =>
      args.fromFileBrowser
        ? offeredInFileBrowser(selectedFile())
        : args.fromCurrent
          ? currentIsPipeline()
          : true;

    app.commands.addCommand(CommandIDs.openPipeline, {
      label: args =>
        args.fromCurrent ? 'Open pipeline view' : 'Open pipeline',
      caption:
        "Show a pipeline's steps as a graph, with its runs live, their executed notebooks and errors",
      isVisible: offeredFor,
      execute: async args => {
        try {
          const path = await targetOf(args, 'Open');
          if (path) {
            openView(path, !args.restoring);
          }
        } catch (reason) {
          if (!args.restoring) {
            report(reason);
          }
        }
      }
    });

    app.commands.addCommand(CommandIDs.runPipeline, {
      label: args => (args.fromCurrent ? 'Run this pipeline' : 'Run pipeline'),
      caption: 'Run a pipeline (asks its parameters), and watch its steps live',
      isVisible: offeredFor,
      execute: async args => {
        try {
          const path = await targetOf(args, 'Run');
          if (!path) {
            return;
          }
          const panel = openView(path);
          if (args.parameters && typeof args.parameters === 'object') {
            // Scripted: run with these parameters, without asking.
            await panel.model.start(args.parameters as JSONObject);
          } else {
            panel.requestRun();
          }
        } catch (reason) {
          report(reason);
        }
      }
    });
    for (const command of [CommandIDs.openPipeline, CommandIDs.runPipeline]) {
      palette?.addItem({ command, category: 'Data Products' });
    }

    const section = new PipelinesSection({
      model: products,
      service,
      onOpen: path =>
        void app.commands.execute(CommandIDs.openPipeline, { path }),
      onRun: path => void app.commands.execute(CommandIDs.runPipeline, { path })
    });
    // Folded at start, like Outputs: it shows the selected product's pipelines.
    naas.addSection(section, 1, true);

    followSettings(settingRegistry, PIPELINES_PLUGIN_ID, loaded => {
      Object.assign(settings, loaded.composite as unknown as ISettings);
    });
  }
};
