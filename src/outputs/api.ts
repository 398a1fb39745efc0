/**
 * REST client of the outputs routes: a product's datasets, their versions, their files.
 */
import { ApiClient } from '../api/client';
import { query } from '../api/request';
import { IDatasetPage, IVersionPage } from './types';

export class OutputsService extends ApiClient {
  /** The output datasets of a product, with their newest `versions` versions. */
  listDatasets(
    product: string,
    options: { offset?: number; limit?: number; versions?: number } = {}
  ): Promise<IDatasetPage> {
    return this.get<IDatasetPage>(`outputs${query({ product, ...options })}`);
  }

  /** The versions of one dataset ('layer/dataset'), newest first. */
  listVersions(
    product: string,
    dataset: string,
    options: { offset?: number; limit?: number } = {}
  ): Promise<IVersionPage> {
    return this.get<IVersionPage>(
      `outputs/versions${query({ product, dataset, ...options })}`
    );
  }

  /** The bytes of one file of a version (or of `latest`). */
  downloadOutput(
    product: string,
    dataset: string,
    version: string,
    file: string
  ): Promise<Blob> {
    return this.getBlob(
      `outputs/file${query({ product, dataset, version, file })}`,
      'The download failed'
    );
  }
}
