import type { PlaybookMetadataSchema } from '../schemas/playbook';

/**
 * `playbooks/<id>/playbook.json`: its type is derived from its JSON Schema (`shared/schemas/playbook.ts`); read it
 * with `playbookMetadata()` (shared/metadata.ts), never cast.
 */
export type PlaybookMetadata = PlaybookMetadataSchema;

/**
 * Where the value of one document parameter comes from when a response starts the playbook.
 * - `finding`: a field of the finding, as the decision resolved it (the instance, the addresses to block…);
 * - `setting`: a response setting (a stage parameter when deployed, an option of `rebaseline respond`);
 * - `lambda`, `assumeRole`: deployment-specific, as for remediations;
 * - `static`: a fixed value.
 */
export type PlaybookParameterSource = PlaybookMetadata['parameters'][string];
