/**
 * The Manager (a main-area widget restored with the layout: palette "Open Manager", a
 * button in the Data Products panel, `?naas-manager=run:<id>` in the page URL) and the
 * toasts of failed runs while Lab is open. Both read ONE events tail (EventsModel).
 * Provides IRunNotices: the Pipeline views ask it before toasting a run, so a run is
 * toasted once.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CommandRegistry } from '@lumino/commands';
import { PromiseDelegate } from '@lumino/coreutils';
import { ToolbarButton, listIcon } from '@jupyterlab/ui-components';

import { DeployService, SchedulesService } from '../deploy/api';
import { PipelinesService } from '../pipelines/api';
import { followSettings } from '../pluginHelpers';
import { SecretsService } from '../secrets/api';
import {
  CommandIDs,
  INaasLab,
  IRunNotices,
  MANAGER_PLUGIN_ID
} from '../tokens';
import { ManagerService } from './api';
import { EventsModel } from './events';
import { IManagerTarget, URL_PARAMETER, parseTarget } from './filters';
import { IManagerHost } from './host';
import { ManagerTab } from './kinds';
import { ManagerContent, createManager } from './ManagerPanel';
import { IManagerServices, ManagerModel, productTitle } from './model';
import { RunNotices } from './notices';
import { confirmDialog, editNotifyDialog } from './dialogs';
import { RunFailureToasts } from './toasts';

/** User settings (schema/manager.json). */
interface ISettings {
  toastRunFailures: boolean;
  pollInterval: number;
  pageSize: number;
}

const DEFAULT_SETTINGS: ISettings = {
  toastRunFailures: true,
  pollInterval: 2,
  pageSize: 50
};

/** The target of the Manager command's arguments (none: as it is). */
function targetOf(args: {
  tab?: unknown;
  run?: unknown;
}): IManagerTarget | null {
  if (typeof args.run === 'string' && args.run) {
    return { tab: 'runs', run: args.run };
  }
  return typeof args.tab === 'string' ? parseTarget(args.tab) : null;
}

export const managerPlugin: JupyterFrontEndPlugin<IRunNotices> = {
  id: MANAGER_PLUGIN_ID,
  description:
    'The Manager: every job, run, event and deployment in one place, live; toasts for failed runs.',
  autoStart: true,
  provides: IRunNotices,
  requires: [INaasLab],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    JupyterFrontEnd.ITreeResolver
  ],
  activate: (
    app: JupyterFrontEnd,
    naas: INaasLab,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    treeResolver: JupyterFrontEnd.ITreeResolver | null
  ): IRunNotices => {
    const settings: ISettings = { ...DEFAULT_SETTINGS };
    const services: IManagerServices = {
      manager: new ManagerService(naas.serverSettings),
      pipelines: new PipelinesService(naas.serverSettings),
      schedules: new SchedulesService(naas.serverSettings),
      deployments: new DeployService(naas.serverSettings),
      secrets: new SecretsService(naas.serverSettings)
    };
    const events = new EventsModel({
      source: services.manager,
      interval: settings.pollInterval
    });
    const notices = new RunNotices();
    const tracker = new WidgetTracker<MainAreaWidget<ManagerContent>>({
      namespace: 'naas-manager'
    });
    restorer?.restore(tracker, {
      command: CommandIDs.openManager,
      args: widget => ({ tab: widget.content.model.tab, restoring: true }),
      name: () => 'manager'
    });

    const host: IManagerHost = {
      open: naas.open,
      openPipeline: path =>
        void app.commands.execute(CommandIDs.openPipeline, { path }),
      confirm: confirmDialog,
      editNotify: (schedule, label) => editNotifyDialog(schedule.notify, label),
      deploy: product =>
        void app.commands.execute(CommandIDs.deployProduct, { product })
    };

    /** The Manager: revealed if open, else created; then shows `target`. */
    const openManager = (target: IManagerTarget | null): ManagerModel => {
      let widget = tracker.find(w => !w.isDisposed);
      if (!widget) {
        const model = new ManagerModel({
          services,
          events,
          products: naas.products,
          pageSize: settings.pageSize
        });
        const created = createManager(model, host);
        widget = created;
        // Its tab comes back with the layout.
        let saved: ManagerTab = model.tab;
        model.changed.connect(() => {
          if (model.tab !== saved && !created.isDisposed) {
            saved = model.tab;
            void tracker.save(created);
          }
        });
        app.shell.add(created, 'main');
        void tracker.add(created);
      }
      const model = widget.content.model;
      if (target?.run) {
        model.showRun(target.run);
      } else if (target) {
        model.setTab(target.tab);
      }
      app.shell.activateById(widget.id);
      return model;
    };

    app.commands.addCommand(CommandIDs.openManager, {
      label: 'Open Manager',
      caption:
        'Every job, run, event and deployment of the data products, live: run now, pause, re-run, roll back, notifications',
      execute: args => openManager(targetOf(args))
    });
    palette?.addItem({
      command: CommandIDs.openManager,
      category: 'Data Products'
    });

    app.commands.addCommand(CommandIDs.manageSecrets, {
      label: 'Manage secrets',
      caption:
        'API keys, tokens and passwords the runs read with secret.get("NAME"): add, replace, delete (values are never shown)',
      execute: args => {
        const model = openManager({ tab: 'secrets' });
        // { product: <folder> } shows that product's secrets; none: the user's.
        if (typeof args.product === 'string' && args.product) {
          model.showSecrets(args.product);
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.manageSecrets,
      category: 'Data Products'
    });
    naas.addToolbarItem(
      'manager',
      new ToolbarButton({
        icon: listIcon,
        tooltip: 'Open Manager',
        onClick: () => openManager(null)
      })
    );

    const toasts = new RunFailureToasts({
      events,
      getRun: id => services.pipelines.getRun(id),
      notices,
      notifier: Notification,
      titleOf: product => productTitle(naas.products, product),
      openInManager: run => openManager({ tab: 'runs', run })
    });
    toasts.enabled = settings.toastRunFailures;

    followSettings(settingRegistry, MANAGER_PLUGIN_ID, loaded => {
      Object.assign(settings, loaded.composite as unknown as ISettings);
      toasts.enabled = settings.toastRunFailures;
      events.interval = settings.pollInterval;
    });

    // A link to the Manager (e.g. in a failure mail): `?naas-manager=run:<id>`. Read at
    // once (before anything else touches the URL), shown once the layout is restored.
    const url = new URL(window.location.href);
    const requested = parseTarget(url.searchParams.get(URL_PARAMETER));
    if (requested) {
      // The document a `/lab/tree/<path>` URL names is opened (and brought to the front)
      // by the file browser once the layout is restored, and once its folder is listed:
      // followed from now on, as the command that opens it starts.
      const treeOpened = new PromiseDelegate<void>();
      const onExecuted = (
        _: CommandRegistry,
        executed: CommandRegistry.ICommandExecutedArgs
      ): void => {
        if (executed.id === 'filebrowser:open-path') {
          app.commands.commandExecuted.disconnect(onExecuted);
          void executed.result.then(
            () => treeOpened.resolve(),
            () => treeOpened.resolve()
          );
        }
      };
      app.commands.commandExecuted.connect(onExecuted);
      void app.restored.then(async () => {
        // The documents the layout restored finish opening after it, and the one the URL
        // names opens after that: each takes the front when it opens. The Manager comes
        // after them (30 s at most).
        const deadline = sleep(30000);
        const tree = await Promise.race([
          treeResolver?.paths ?? Promise.resolve(null),
          deadline.then(() => null)
        ]);
        // A folder (or a path that is not there) opens no document: nothing to wait for.
        const file = tree?.file
          ? await app.serviceManager.contents
              .get(tree.file, { content: false })
              .then(model => model.type !== 'directory')
              .catch(() => false)
          : false;
        const opening = [...app.shell.widgets('main')]
          .map(
            widget =>
              (widget as { context?: { ready?: Promise<void> } }).context?.ready
          )
          .filter((ready): ready is Promise<void> => ready instanceof Promise);
        await Promise.race([
          Promise.all([
            ...opening.map(ready => ready.catch(() => undefined)),
            file ? treeOpened.promise : undefined
          ]),
          deadline
        ]);
        app.commands.commandExecuted.disconnect(onExecuted);
        openManager(requested);
        // Shown once: a reload of the page does not open it again.
        const now = new URL(window.location.href);
        now.searchParams.delete(URL_PARAMETER);
        window.history.replaceState(window.history.state, '', now.toString());
      });
    }

    return notices;
  }
};

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
