/**
 * Text is text: everything a person typed goes through `escapeMrkdwn` before it reaches Slack, so
 * `<!channel>`, `<@U123>` or `<http://x|y>` are shown as typed and never executed. Mentions and links
 * are made only by the helpers below, from values the extension itself holds.
 */

/** Escapes the three characters Slack's mrkdwn gives meaning to. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A user mention, only for a real Slack user id (U… or W…). */
export function mentionUser(userId: string): string {
  if (!/^[UW][A-Z0-9]{2,}$/.test(userId)) throw new Error(`'${userId}' is not a Slack user id`);
  return `<@${userId}>`;
}

/** A channel link, only for a real Slack channel id (C… or G…). */
export function channelLink(channelId: string): string {
  if (!/^[CG][A-Z0-9]{2,}$/.test(channelId)) throw new Error(`'${channelId}' is not a Slack channel id`);
  return `<#${channelId}>`;
}

/** A link with a label; the URL must be http(s) and the label is escaped. */
export function link(url: string, label?: string): string {
  if (!/^https?:\/\/[^\s<>|]+$/i.test(url)) return escapeMrkdwn(label ? `${label} (${url})` : url);
  return label ? `<${url}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>` : `<${url}>`;
}

/** Slack refuses a message text over 40,000 characters (msg_too_long). */
export const SLACK_TEXT_LIMIT = 40_000;

/**
 * Splits a long text into parts Slack accepts, at paragraph, then line, then word boundaries,
 * never inside an escape sequence. Each part is at most `limit` characters. No word is dropped: only
 * the line break or space at each cut goes.
 */
export function splitForSlack(text: string, limit = SLACK_TEXT_LIMIT - 100): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = Math.max(window.lastIndexOf('\n\n'), -1);
    if (cut < limit / 2) cut = window.lastIndexOf('\n');
    if (cut < limit / 2) cut = window.lastIndexOf(' ');
    if (cut < limit / 2) cut = limit;
    // Do not split "&amp;" and the like in two.
    const amp = window.lastIndexOf('&', cut);
    if (amp !== -1 && cut - amp < 6 && !window.slice(amp, cut).includes(';')) cut = amp;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n{1,2}|^ /, '');
  }
  parts.push(rest);
  return parts;
}
