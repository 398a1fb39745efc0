/**
 * The template library: type-ahead ranked search, tool and tag filters, a virtualised list
 * of results, and the actions on the selected template. Pure React (hosted by
 * TemplatesSection).
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { VirtualList } from '../components/VirtualList';
import { TemplatesService } from './api';
import { IFacet, ITemplateQuery, ITemplateSummary } from './types';

/** Results fetched per request (the server's maximum). */
export const PAGE_SIZE = 200;
/** Tag chips shown (the most frequent in the results). */
const TAG_CHIPS = 12;
const ROW_HEIGHT = 58;
const DEBOUNCE_MS = 150;

export interface ITemplatesViewProps {
  service: TemplatesService;
  /** Show the selected template's cells (main-area preview). */
  onPreview: (template: ITemplateSummary, reveal: boolean) => void;
  onOpenInLab: (template: ITemplateSummary) => Promise<void>;
  onAddToModels: (template: ITemplateSummary) => Promise<void>;
  /** Changes when the library may have changed (after a sync). */
  generation: number;
  /** Focus the search box when this changes (palette command "Search templates"). */
  focusRequest?: number;
}

interface IResults {
  items: ITemplateSummary[];
  total: number;
  tools: IFacet[];
  tags: IFacet[];
}

const EMPTY: IResults = { items: [], total: 0, tools: [], tags: [] };

export function TemplatesView(props: ITemplatesViewProps): JSX.Element {
  const [search, setSearch] = React.useState<ITemplateQuery>({
    q: '',
    tools: [],
    tags: []
  });
  const [typed, setTyped] = React.useState('');
  const [results, setResults] = React.useState<IResults>(EMPTY);
  const [selected, setSelected] = React.useState(-1);
  const [loading, setLoading] = React.useState(true);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const request = React.useRef(0);
  const loadingMore = React.useRef(false);
  const input = React.useRef<HTMLInputElement>(null);

  // Debounce typing; filters apply at once.
  React.useEffect(() => {
    const timer = setTimeout(
      () => setSearch(current => ({ ...current, q: typed })),
      DEBOUNCE_MS
    );
    return () => clearTimeout(timer);
  }, [typed]);

  React.useEffect(() => {
    if (props.focusRequest) {
      input.current?.focus();
      input.current?.select();
    }
  }, [props.focusRequest]);

  React.useEffect(() => {
    const id = ++request.current;
    setLoading(true);
    props.service
      .searchTemplates(search, { offset: 0, limit: PAGE_SIZE })
      .then(page => {
        if (id !== request.current) {
          return; // a newer search answered or will answer
        }
        setResults({
          items: page.items,
          total: page.total,
          tools: page.facets.tools,
          tags: page.facets.tags
        });
        setSelected(page.items.length ? 0 : -1);
        setError(null);
      })
      .catch(reason => {
        if (id === request.current) {
          setError(errorMessage(reason));
          setResults(EMPTY);
        }
      })
      .finally(() => {
        if (id === request.current) {
          setLoading(false);
        }
      });
  }, [search, props.generation]);

  const loadMore = (): void => {
    if (loadingMore.current || results.items.length >= results.total) {
      return;
    }
    loadingMore.current = true;
    const id = request.current;
    props.service
      .searchTemplates(search, {
        offset: results.items.length,
        limit: PAGE_SIZE
      })
      .then(page => {
        if (id === request.current) {
          setResults(current => ({
            ...current,
            items: [...current.items, ...page.items]
          }));
        }
      })
      .catch(reason => setError(errorMessage(reason)))
      .finally(() => {
        loadingMore.current = false;
      });
  };

  const current = selected >= 0 ? results.items[selected] : undefined;

  const select = (index: number): void => {
    setSelected(index);
    const template = results.items[index];
    if (template) {
      props.onPreview(template, false);
    }
  };

  const act = async (
    label: string,
    action: (t: ITemplateSummary) => Promise<void>
  ): Promise<void> => {
    if (!current) {
      return;
    }
    setBusy(label);
    setError(null);
    try {
      await action(current);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(null);
    }
  };

  const toggleTag = (tag: string): void =>
    setSearch(s => ({
      ...s,
      tags: s.tags.includes(tag)
        ? s.tags.filter(t => t !== tag)
        : [...s.tags, tag]
    }));

  const chips = [
    ...search.tags.map(name => ({ name, count: 0 })),
    ...results.tags.filter(t => !search.tags.includes(t.name))
  ].slice(0, Math.max(TAG_CHIPS, search.tags.length));

  return (
    <div className="naas-Templates">
      <div className="naas-Templates-filters">
        <input
          ref={input}
          type="search"
          className="jp-mod-styled naas-Form-input"
          placeholder="e.g. csv, slack, chart"
          title="Search templates: words of their title, tool, tags, description or code"
          aria-label="Search templates"
          value={typed}
          onChange={e => setTyped(e.target.value)}
          onKeyDown={e => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              document
                .querySelector<HTMLElement>('.naas-Templates .naas-VirtualList')
                ?.focus();
            }
          }}
        />
        <select
          className="jp-mod-styled naas-Templates-tool"
          aria-label="Filter by tool"
          value={search.tools[0] ?? ''}
          onChange={e =>
            setSearch(s => ({
              ...s,
              tools: e.target.value ? [e.target.value] : []
            }))
          }
        >
          <option value="">All tools</option>
          {results.tools.map(tool => (
            <option key={tool.name} value={tool.name}>
              {tool.name} ({tool.count})
            </option>
          ))}
          {search.tools.length &&
          !results.tools.some(t => t.name === search.tools[0]) ? (
            <option value={search.tools[0]}>{search.tools[0]}</option>
          ) : null}
        </select>
        {chips.length ? (
          <div
            className="naas-Templates-tags"
            role="group"
            aria-label="Filter by tag"
          >
            {chips.map(tag => {
              const on = search.tags.includes(tag.name);
              return (
                <button
                  key={tag.name}
                  className={'naas-Chip' + (on ? ' naas-mod-on' : '')}
                  aria-pressed={on}
                  onClick={() => toggleTag(tag.name)}
                >
                  #{tag.name}
                  {tag.count ? (
                    <span className="naas-Chip-count"> {tag.count}</span>
                  ) : null}
                </button>
              );
            })}
          </div>
        ) : null}
      </div>
      <div className="naas-Templates-actions">
        <button
          className="jp-mod-styled naas-Button"
          disabled={!current}
          onClick={() => current && props.onPreview(current, true)}
        >
          Preview
        </button>
        <button
          className="jp-mod-styled jp-mod-accept naas-Button"
          disabled={!current || busy !== null}
          aria-label={busy === 'open' ? undefined : 'Open in Lab'}
          title="Copy the template to the root and open it"
          onClick={() => void act('open', props.onOpenInLab)}
        >
          {busy === 'open' ? (
            'Opening…'
          ) : (
            <>
              <span className="naas-mod-long">Open in Lab</span>
              <span className="naas-mod-short">Open</span>
            </>
          )}
        </button>
        <button
          className="jp-mod-styled naas-Button"
          disabled={!current || busy !== null}
          aria-label={busy === 'add' ? undefined : 'Add to models'}
          title="Copy the template into a data product's models/ folder"
          onClick={() => void act('add', props.onAddToModels)}
        >
          {busy === 'add' ? (
            'Adding…'
          ) : (
            <>
              <span className="naas-mod-long">Add to models</span>
              <span className="naas-mod-short">To models</span>
            </>
          )}
        </button>
      </div>
      <div className="naas-Templates-status" role="status" aria-live="polite">
        {loading
          ? 'Searching…'
          : `${results.total} template${results.total === 1 ? '' : 's'}`}
      </div>
      {error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {error}
        </div>
      ) : null}
      {!loading && results.total === 0 && !error ? (
        <p className="naas-Empty">
          No template matches. Try fewer words, or clear the filters.
        </p>
      ) : null}
      <VirtualList
        label="Templates"
        idPrefix="naas-template"
        className="naas-Templates-list"
        count={results.items.length}
        rowHeight={ROW_HEIGHT}
        selected={selected}
        rowKey={i => results.items[i].id}
        onSelect={select}
        onActivate={i => {
          setSelected(i);
          props.onPreview(results.items[i], true);
        }}
        onNearEnd={loadMore}
        renderRow={i => {
          const t = results.items[i];
          return (
            <div className="naas-TemplateRow" title={t.description}>
              <div className="naas-TemplateRow-title">
                <span className="naas-TemplateRow-name">{t.title}</span>
                <span className="naas-Badge">{t.tool}</span>
              </div>
              <div className="naas-TemplateRow-description">
                {t.description}
              </div>
              <div className="naas-TemplateRow-tags">
                {t.tags
                  .slice(0, 4)
                  .map(tag => `#${tag}`)
                  .join(' ')}
              </div>
            </div>
          );
        }}
      />
    </div>
  );
}
