/**
 * The Manager: every job, run, event and deployment of the products under the root, and
 * the secrets their runs read, in five tabs, live while it shows (the shared events tail
 * refreshes the tab an event concerns). Pure React over a ManagerModel (hosted by
 * ManagerPanel).
 */
import * as React from 'react';

import { DeploymentsTab } from './DeploymentsTab';
import { EventsTab } from './EventsTab';
import { IManagerHost } from './host';
import { useSignal } from './hooks';
import { JobsTab } from './JobsTab';
import { ManagerTab, TABS } from './kinds';
import { ManagerModel } from './model';
import { RunsTab } from './RunsTab';
import { SecretsTab } from './SecretsTab';
import { Tabs, panelId, tabId } from './Tabs';

export interface IManagerViewProps {
  model: ManagerModel;
  host: IManagerHost;
  /** Milliseconds typing must pause before the Runs tab's text filters apply. */
  debounceMs?: number;
}

const ID_PREFIX = 'naas-manager';

function TabContent(
  props: IManagerViewProps & { tab: ManagerTab }
): JSX.Element {
  switch (props.tab) {
    case 'jobs':
      return <JobsTab model={props.model} host={props.host} />;
    case 'runs':
      return (
        <RunsTab
          model={props.model}
          host={props.host}
          debounceMs={props.debounceMs}
        />
      );
    case 'events':
      return <EventsTab model={props.model} host={props.host} />;
    case 'deployments':
      return <DeploymentsTab model={props.model} host={props.host} />;
    case 'secrets':
      return <SecretsTab model={props.model} host={props.host} />;
  }
}

export function ManagerView(props: IManagerViewProps): JSX.Element {
  const { model } = props;
  useSignal(model.changed);
  const tab = model.tab;
  const liveError = model.events.error;
  return (
    <div className="naas-Manager">
      <header className="naas-Manager-header">
        <h2 className="naas-Manager-title">Manager</h2>
        <span
          className={
            'naas-Manager-live' + (liveError ? ' naas-mod-warning' : '')
          }
          role="status"
          title="The Manager follows the events of the server: what it shows updates by itself"
        >
          {liveError ? (
            `Live updates paused (retrying): ${liveError}`
          ) : (
            <>
              <span aria-hidden="true">●</span> Live
            </>
          )}
        </span>
      </header>
      <Tabs
        label="Manager"
        idPrefix={ID_PREFIX}
        tabs={TABS}
        selected={tab}
        onSelect={id => model.setTab(id)}
      />
      <div
        className="naas-Manager-panel"
        role="tabpanel"
        id={panelId(ID_PREFIX, tab)}
        aria-labelledby={tabId(ID_PREFIX, tab)}
      >
        <TabContent {...props} tab={tab} />
      </div>
    </div>
  );
}
