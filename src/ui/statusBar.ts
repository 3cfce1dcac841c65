/** The status bar item: the active incident's id, severity, status and time since declared. */
import * as vscode from 'vscode';
import { IncidentService } from '../core/incidentService';
import { statusBarText } from './format';

export class IncidentStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('incidentCommander.active', vscode.StatusBarAlignment.Left, 100);
  private readonly timer: NodeJS.Timeout;
  private readonly subscription: { dispose(): void };

  constructor(private readonly service: IncidentService) {
    this.item.name = 'Active Incident';
    this.item.command = 'incidentCommander.reveal';
    this.subscription = service.onDidChange(() => this.render());
    this.timer = setInterval(() => this.render(), 30_000);
    this.render();
  }

  render(): void {
    const enabled = vscode.workspace.getConfiguration('incidentCommander').get<boolean>('statusBar.enabled', true);
    const id = this.service.activeId;
    const incident = id ? this.service.get(id) : undefined;
    if (!enabled || !incident) {
      this.item.hide();
      return;
    }
    const severe = incident.severity === 'SEV1' || incident.severity === 'SEV2';
    this.item.text = `$(flame) ${statusBarText(incident, new Date())}`;
    this.item.tooltip = `${incident.id}: ${incident.title}\nClick to show it in the Incidents view.`;
    this.item.backgroundColor = severe && incident.status !== 'resolved' && incident.status !== 'closed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `Active incident ${statusBarText(incident, new Date())}` };
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscription.dispose();
    this.item.dispose();
  }
}
