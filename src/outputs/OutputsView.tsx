/**
 * The outputs of a product: its datasets (outputs/<layer>/<dataset>), their versions and
 * sizes; open a file in Lab or download it. Pure React (hosted by OutputsSection).
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { formatBytes, formatVersion } from '../format';
import { isWellFormed } from '../paths';
import { OutputsService } from './api';
import { IDataset, IOutputFile, IOutputVersion } from './types';

/** Versions shown per dataset before "More versions". */
const VERSION_PAGE = 5;

export interface IOutputsProps {
  service: OutputsService;
  product: string;
  /** Changes whenever the data may have changed (the panel's refresh tick). */
  tick: number;
  /** Open a file in Lab; `title` names its tab (dataset and version, not just the file). */
  open: (path: string) => void;
  /** Save a blob as a file in the browser's downloads. */
  saveBlob: (blob: Blob, name: string) => void;
}

/** `latest`, or the version as a date: what tells two copies of one file apart. */
export function versionLabel(version: string): string {
  return version === 'latest' ? 'latest' : formatVersion(version);
}

/** Which copy of a file a version holds: `raw/orders, 2026-11-23 08:00:00 UTC`. */
export function whichVersion(dataset: string, version: string): string {
  return `${dataset}, ${versionLabel(version)}`;
}

const UNOPENABLE =
  'This file name is not valid UTF-8, so Jupyter cannot open or download it: rename the ' +
  'file (for example in a terminal) and refresh.';

function FileRow(props: {
  file: IOutputFile;
  /** Which copy this is, for the buttons' labels: `raw/orders, latest`. */
  which: string;
  onOpen: () => void;
  onDownload: () => void;
}): JSX.Element {
  const { file } = props;
  return (
    <li className="naas-Outputs-file">
      <span className="naas-Outputs-fileName" title={file.path}>
        {file.name}
      </span>
      <span className="naas-Outputs-size">{formatBytes(file.size)}</span>
      {isWellFormed(file.path) ? (
        <>
          <button
            className="naas-LinkButton"
            aria-label={`Open ${file.name} of ${props.which}`}
            onClick={props.onOpen}
          >
            Open
          </button>
          <button
            className="naas-LinkButton"
            aria-label={`Download ${file.name} of ${props.which}`}
            onClick={props.onDownload}
          >
            Download
          </button>
        </>
      ) : (
        <span
          className="naas-Outputs-unopenable"
          title={UNOPENABLE}
          aria-label={`${file.name.replace(/[\uD800-\uDFFF]/g, '\uFFFD')} of ${props.which}: ${UNOPENABLE}`}
        >
          name not UTF-8
        </span>
      )}
    </li>
  );
}

/** The files of one version (or of `latest`), each to open or download. */
function FileList(props: {
  files: IOutputFile[];
  dataset: string;
  version: string;
  open: (path: string) => void;
  download: (dataset: string, version: string, file: string) => void;
}): JSX.Element {
  const which = whichVersion(props.dataset, props.version);
  return (
    <ul className="naas-Outputs-files">
      {props.files.map(file => (
        <FileRow
          key={file.path}
          file={file}
          which={which}
          onOpen={() => props.open(file.path)}
          onDownload={() =>
            props.download(props.dataset, props.version, file.name)
          }
        />
      ))}
    </ul>
  );
}

function DatasetItem(props: {
  dataset: IDataset;
  service: OutputsService;
  product: string;
  open: (path: string) => void;
  download: (dataset: string, version: string, file: string) => void;
}): JSX.Element {
  const { dataset } = props;
  const [expanded, setExpanded] = React.useState(false);
  const [versions, setVersions] = React.useState<IOutputVersion[]>(
    dataset.versions
  );
  const [loading, setLoading] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => setVersions(dataset.versions), [dataset]);

  const more = async (): Promise<void> => {
    setLoading(true);
    setError(null);
    try {
      const page = await props.service.listVersions(
        props.product,
        dataset.name,
        {
          offset: versions.length,
          limit: VERSION_PAGE * 4
        }
      );
      setVersions([...versions, ...page.versions]);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setLoading(false);
    }
  };

  const regionId = `naas-dataset-${props.product}-${dataset.name}`.replace(
    /[^A-Za-z0-9_-]/g,
    '-'
  );
  return (
    <li className="naas-Outputs-dataset">
      <button
        className="naas-Outputs-datasetHeader"
        aria-expanded={expanded}
        aria-controls={regionId}
        onClick={() => setExpanded(!expanded)}
      >
        <span className="naas-Outputs-caret" aria-hidden="true">
          {expanded ? '▾' : '▸'}
        </span>
        <span className="naas-Outputs-datasetName">{dataset.name}</span>
        <span className="naas-Outputs-meta">
          {dataset.version_count} version
          {dataset.version_count === 1 ? '' : 's'} · {formatBytes(dataset.size)}
        </span>
      </button>
      {expanded ? (
        <div id={regionId} className="naas-Outputs-versions">
          {dataset.latest.length ? (
            <section aria-label={`Latest of ${dataset.name}`}>
              <h4 className="naas-Outputs-versionTitle">
                latest
                {dataset.latest_version
                  ? ` (${formatVersion(dataset.latest_version)})`
                  : ''}
              </h4>
              <FileList
                files={dataset.latest}
                version="latest"
                dataset={dataset.name}
                open={props.open}
                download={props.download}
              />
            </section>
          ) : null}
          {versions.map(version => (
            <section
              key={version.version}
              aria-label={`Version ${version.version} of ${dataset.name}`}
            >
              <h4 className="naas-Outputs-versionTitle">
                {formatVersion(version.version)}
                <span className="naas-Outputs-size">
                  {' '}
                  {formatBytes(version.size)}
                </span>
              </h4>
              <FileList
                files={version.files}
                version={version.version}
                dataset={dataset.name}
                open={props.open}
                download={props.download}
              />
            </section>
          ))}
          {versions.length < dataset.version_count ? (
            <button
              className="jp-mod-styled naas-Button"
              disabled={loading}
              onClick={() => void more()}
            >
              {loading
                ? 'Loading…'
                : `More versions (${dataset.version_count - versions.length})`}
            </button>
          ) : null}
          {error ? (
            <div className="naas-Banner naas-mod-error" role="alert">
              {error}
            </div>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function OutputsView(props: IOutputsProps): JSX.Element {
  const [datasets, setDatasets] = React.useState<IDataset[] | null>(null);
  const [total, setTotal] = React.useState(0);
  const [keep, setKeep] = React.useState(0);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    let cancelled = false;
    props.service
      .listDatasets(props.product, { versions: VERSION_PAGE, limit: 200 })
      .then(page => {
        if (!cancelled) {
          setDatasets(page.datasets);
          setTotal(page.total);
          setKeep(page.keep_versions);
          setError(null);
        }
      })
      .catch(reason => {
        if (!cancelled) {
          setError(errorMessage(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [props.product, props.tick]);

  const download = (dataset: string, version: string, file: string): void => {
    props.service
      .downloadOutput(props.product, dataset, version, file)
      .then(blob => props.saveBlob(blob, file))
      .catch(reason => setError(errorMessage(reason)));
  };

  if (error && datasets === null) {
    return (
      <div className="naas-Banner naas-mod-error" role="alert">
        {error}
      </div>
    );
  }
  if (datasets === null) {
    return <p className="naas-Empty">Loading outputs…</p>;
  }
  return (
    <div className="naas-Outputs">
      {error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {error}
        </div>
      ) : null}
      {datasets.length === 0 ? (
        <p className="naas-Empty">
          No output yet. In a notebook of this product, run{' '}
          <code>save(df, &quot;layer/dataset/file.csv&quot;)</code> after{' '}
          <code>from naas_data_product import *</code>.
        </p>
      ) : (
        <>
          <p className="naas-Outputs-summary">
            {total} dataset{total === 1 ? '' : 's'}
            {keep ? ` · keeps ${keep} versions each` : ' · every version kept'}
          </p>
          <ul
            className="naas-Outputs-datasets"
            aria-label={`Datasets of ${props.product}`}
          >
            {datasets.map(dataset => (
              <DatasetItem
                key={dataset.name}
                dataset={dataset}
                service={props.service}
                product={props.product}
                open={props.open}
                download={download}
              />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Trigger the browser's download of `blob` as `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
