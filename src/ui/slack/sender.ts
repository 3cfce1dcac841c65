/** The outbox's sender in the extension: the Slack client bundle is loaded on the first send. */
import type { OutboxItem, OutboxSender, SendOutcome } from '../../core/outbox/types';
import type { SlackSender } from '../../integrations/slack/sender';
import type { SlackConnection } from './connection';
import { slackModule } from './lazy';

export class LazySlackSender implements OutboxSender {
  private sender: SlackSender | undefined;

  constructor(
    private readonly extensionPath: string,
    private readonly connection: SlackConnection,
  ) {}

  private get(): SlackSender {
    return (this.sender ??= new (slackModule(this.extensionPath).SlackSender)(() => this.connection.api()));
  }

  send(item: OutboxItem, args: Record<string, unknown>): Promise<SendOutcome> {
    if (!item.op.startsWith('slack.')) return Promise.resolve({ kind: 'permanent', code: 'unknown_op', message: `Nothing here knows how to send '${item.op}'.` });
    return this.get().send(item, args);
  }

  findDelivered(item: OutboxItem, args: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    if (!item.op.startsWith('slack.')) return Promise.resolve(undefined);
    return this.get().findDelivered(item, args);
  }
}
