// Entry of the separately bundled playbook parser (YAML + schema): loaded on first need, not at activation.
export { parsePlaybook, PLAYBOOK_FILE_SCHEMA_VERSION } from '../core/playbook/parse';
