import * as path from 'node:path';

export type SlackModule = typeof import('../../lazy/slack');

let loaded: SlackModule | undefined;

/** The Slack client bundle (dist/slack.js), loaded the first time Slack is needed. */
export function slackModule(extensionPath: string): SlackModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require(path.join(extensionPath, 'dist', 'slack.js')) as SlackModule);
}
