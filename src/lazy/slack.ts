// Entry of the separately bundled Slack client (@slack/web-api): loaded when Slack is first needed, not at activation.
export { SlackApi } from '../integrations/slack/client';
export { SlackSender } from '../integrations/slack/sender';
