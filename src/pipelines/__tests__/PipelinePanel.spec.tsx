import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PipelinesService } from '../api';
import { PipelinePanel } from '../PipelinePanel';
import { etlPipeline, etlRun } from './fixtures';

// @lumino/dragdrop (loaded by @lumino/widgets) extends DragEvent, which jsdom lacks.
vi.hoisted(() => {
  const scope = globalThis as { DragEvent?: unknown };
  scope.DragEvent ??= class DragEvent extends MouseEvent {};
});

// @jupyterlab/ui-components does not load under Node: its ReactWidget, as a widget whose
// content is not drawn yet (the moment a new view is activated), and no icon.
vi.mock('@jupyterlab/ui-components', async () => {
  const { Widget: Base } = await import('@lumino/widgets');
  return { ReactWidget: class extends Base {} };
});
vi.mock('../../icons', () => ({ productIcon: undefined }));

function service(): PipelinesService {
  return {
    getPipeline: vi.fn(async () => etlPipeline()),
    listRuns: vi.fn(async () => ({
      runs: [etlRun('1', 'RUNNING', { Collect: 'RUNNING' })],
      total: 1,
      limit: 20,
      offset: 0
    })),
    getRun: vi.fn(async () => etlRun('1', 'RUNNING', { Collect: 'RUNNING' }))
  } as unknown as PipelinesService;
}

let panel: PipelinePanel | null = null;
afterEach(() => {
  panel?.dispose();
  panel = null;
});

function newPanel(): PipelinePanel {
  panel = new PipelinePanel({
    service: service(),
    path: 'shop/models/etl.ipynb',
    open: () => undefined,
    pollInterval: 3600,
    runLimit: 20
  });
  return panel;
}

describe('PipelinePanel', () => {
  it('takes the focus when activated, even before its content is drawn', () => {
    // Given the focus elsewhere (the notebook the view is opened from)
    const before = document.createElement('button');
    document.body.appendChild(before);
    before.focus();
    // When a new view is attached and activated at once (as the shell does)
    const view = newPanel();
    Widget.attach(view, document.body);
    view.activate();
    MessageLoop.flush();
    // Then the focus is in the view: the shell's current widget follows the focus
    expect(view.node.contains(document.activeElement)).toBe(true);
    before.remove();
  });

  it('marks its tab while the shown run goes on, keeping the classes the shell sets', async () => {
    const view = newPanel();
    view.title.className = 'jp-mod-current';
    await vi.waitFor(() =>
      expect(view.title.className.split(' ')).toContain('naas-mod-live')
    );
    expect(view.title.className.split(' ')).toContain('jp-mod-current');
  });
});
