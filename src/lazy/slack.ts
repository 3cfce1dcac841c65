// Entry of the separately bundled Slack client (@slack/web-api): loaded when Slack is first needed, not at activation.
export { SlackApi, classifySlackError, DEFAULT_SLACK_API_URL } from '../integrations/slack/client';
export { SlackSender, METADATA_EVENT_TYPE, SLACK_OPS } from '../integrations/slack/sender';
