/**
 * JSON export: Layerlab's own model file (model-file.ts), the one format that
 * holds everything (architecture, preprocessing, class names, the run's config
 * and the weights) and is re-imported to predict or to continue training.
 */
import { type LoadedModel, modelToJson } from '../model-file';

/** The model file's text. */
export function exportJson(model: LoadedModel): string {
  const { network, ...extra } = model;
  return JSON.stringify(modelToJson(network, extra)) + '\n';
}
