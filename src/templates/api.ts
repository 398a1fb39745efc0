/**
 * REST client of the template library routes: search, one template, copies, sync.
 */
import { ApiClient } from '../api/client';
import { encodePath, query } from '../api/request';
import {
  IAddedRequirements,
  ICopiedTemplate,
  ITemplateDetail,
  ITemplatePage,
  ITemplateQuery,
  ITemplateSyncStatus
} from './types';

export class TemplatesService extends ApiClient {
  /** Search the template library (ranked), with facets for the filters. */
  searchTemplates(
    search: ITemplateQuery,
    page: { offset?: number; limit?: number } = {}
  ): Promise<ITemplatePage> {
    return this.get<ITemplatePage>(
      `templates${query({ q: search.q.trim(), tool: search.tools, tag: search.tags, ...page })}`
    );
  }

  /** One template, with its cells and parameters, for the preview. */
  getTemplate(id: string): Promise<ITemplateDetail> {
    return this.get<ITemplateDetail>(`templates/notebooks/${encodePath(id)}`);
  }

  /** Copy a template to the root under a free name ("Open in Lab"). */
  openTemplate(id: string): Promise<ICopiedTemplate> {
    return this.post<ICopiedTemplate>('templates/open', { id });
  }

  /** Copy a template into a product's models/ folder. */
  addTemplateToModels(id: string, product: string): Promise<ICopiedTemplate> {
    return this.post<ICopiedTemplate>('templates/add-to-models', {
      id,
      product
    });
  }

  /** Add the packages the template needs to the product's requirements.txt. */
  addTemplateRequirements(
    id: string,
    product: string
  ): Promise<IAddedRequirements> {
    return this.post<IAddedRequirements>('templates/requirements', {
      id,
      product
    });
  }

  templateSyncStatus(): Promise<ITemplateSyncStatus> {
    return this.get<ITemplateSyncStatus>('templates/sync');
  }

  /** Start a sync of the template sources (answers at once). */
  syncTemplates(): Promise<ITemplateSyncStatus> {
    return this.post<ITemplateSyncStatus>('templates/sync', {});
  }
}
