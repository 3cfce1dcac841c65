/** Slack's Web API base; GovSlack and tests set another with incidentCommander.slack.apiUrl. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';
