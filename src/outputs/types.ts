/**
 * REST types of the outputs routes: the datasets a product saved under outputs/.
 */
import { IPage } from '../api/types';

/** A file of an output version (or of a dataset's `latest`). */
export interface IOutputFile {
  name: string;
  /** Bytes. */
  size: number;
  /** Path relative to the Jupyter root: open it with the document manager. */
  path: string;
  is_latest: boolean;
  version: string | null;
}

/** One version of a dataset, newest first in every list. */
export interface IOutputVersion {
  version: string;
  created_at: string;
  size: number;
  files: IOutputFile[];
  is_newest: boolean;
}

/** A dataset: outputs/<layer>/<dataset>. */
export interface IDataset {
  /** 'layer/dataset' */
  name: string;
  layer: string;
  dataset: string;
  version_count: number;
  latest_version: string | null;
  /** Bytes of all versions. */
  size: number;
  latest: IOutputFile[];
  /** The newest versions, as many as asked. */
  versions: IOutputVersion[];
}

/** An entry a listing left out (a symbolic link out of the Jupyter root), by its path. */
export interface ISkippedEntry {
  path: string;
  reason: string;
}

/** GET /outputs */
export interface IDatasetPage extends IPage {
  datasets: IDataset[];
  /** Versions kept per dataset for this product (0 keeps all). */
  keep_versions: number;
  /** Entries left out; the server always sends the list. */
  skipped?: ISkippedEntry[];
}

/** GET /outputs/versions */
export interface IVersionPage extends IPage {
  versions: IOutputVersion[];
  /** Entries left out; the server always sends the list. */
  skipped?: ISkippedEntry[];
}
