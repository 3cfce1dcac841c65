/**
 * The commands. Each takes an optional argument object and then runs without prompts (the automation
 * API, documented in the README); what is missing is asked for. From the tree, a command receives the
 * clicked node, which carries incidentId and stepId the same way.
 */
import * as vscode from 'vscode';
import { CorruptRecordError, IncidentError } from '../core/errors';
import { parseSeverity } from '../core/incident/record';
import { CUSTOMER_IMPACTS, CustomerImpact, DeclareInput, Incident, REPORTER_KINDS, ROLES, Role, SEVERITIES, STATUSES, Status } from '../core/incident/types';
import { IncidentService } from '../core/incidentService';
import { stepApplies } from '../core/playbook/conditions';
import { findStep, walkSteps } from '../core/playbook/query';
import { conditionSubject } from '../core/incident/subject';
import { Args, asArgs, isAutomation, optionalBoolean, optionalList, optionalString } from './args';
import { IncidentTreeNode, IncidentTreeProvider } from './incidentTree';

export interface CommandDeps {
  readonly service: IncidentService;
  readonly tree: IncidentTreeProvider;
  readonly treeView: vscode.TreeView<IncidentTreeNode>;
}

const SEVERITY_HELP: Record<string, string> = {
  SEV1: 'Critical: outage or data loss, many customers affected',
  SEV2: 'Major: a key function degraded for many, or down for some',
  SEV3: 'Minor: limited impact, a workaround exists',
  SEV4: 'Low: no customer impact yet, needs attention',
};

const STATUS_HELP: Record<Status, string> = {
  triage: 'Declared, impact being judged',
  active: 'Acknowledged and being worked',
  mitigated: 'Impact stopped, not yet fixed',
  resolved: 'Fixed; follow-up remains',
  closed: 'Done: problem record written, channel archived',
};

/** Stops a command quietly when a person dismisses a prompt. */
class Cancelled extends Error {}

function orCancel<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

async function pick<T extends string>(items: readonly T[], placeHolder: string, help: Partial<Record<T, string>> = {}, current?: T): Promise<T> {
  const chosen = await vscode.window.showQuickPick(
    items.map((label) => ({ label, description: label === current ? `${help[label] ?? ''} (current)`.trim() : help[label] })),
    { placeHolder, ignoreFocusOut: true },
  );
  return orCancel(chosen?.label as T | undefined);
}

export async function ask(prompt: string, options: { value?: string; placeHolder?: string; allowEmpty?: boolean; password?: boolean } = {}): Promise<string> {
  const value = await vscode.window.showInputBox({
    prompt,
    value: options.value,
    placeHolder: options.placeHolder,
    password: options.password,
    ignoreFocusOut: true,
    validateInput: (v) => (options.allowEmpty || v.trim() ? undefined : 'This cannot be empty.'),
  });
  return orCancel(value);
}

async function yesNo(placeHolder: string, yes: string, no: string): Promise<boolean> {
  const chosen = await vscode.window.showQuickPick([{ label: yes, value: true }, { label: no, value: false }], { placeHolder, ignoreFocusOut: true });
  return orCancel(chosen).value;
}

/**
 * Registers a command that reads the records first, shows a person what went wrong, and hands the error
 * back to automation callers (an argument object) so they can tell.
 */
/** Errors already put in front of the person, so a command that ran another does not show them twice. */
const shown = new WeakSet<object>();

/** True when a person is at the keyboard: no argument object, a tree node, or a step's action run from the tree. */
export function isInteractive(raw: unknown): boolean {
  return !isAutomation(raw) || (raw as Args).fromTree === true;
}

export function commandRegistrar(service: IncidentService) {
  return (id: string, handler: (args: Args, raw: unknown) => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (raw: unknown) => {
      try {
        await service.ready();
        return await handler(asArgs(raw), raw);
      } catch (err) {
        if (err instanceof Cancelled) return undefined;
        const message = err instanceof Error ? err.message : String(err);
        if (err && typeof err === 'object' && shown.has(err)) {
          // A command this one ran has shown it already.
        } else if (err instanceof CorruptRecordError) {
          void vscode.window.showErrorMessage(message, 'Open File').then((choice) => {
            if (choice) void vscode.window.showTextDocument(vscode.Uri.file(err.file));
          });
        } else {
          void vscode.window.showErrorMessage(message);
        }
        if (err && typeof err === 'object') shown.add(err);
        // Automation callers get the error; a person already saw it.
        if (isAutomation(raw)) throw err;
        return undefined;
      }
    });
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { service } = deps;

  const register = commandRegistrar(service);

  /** The incident a command acts on: given, else the active one. */
  const target = (args: Args): string => service.resolveId(optionalString(args, 'incidentId'));

  const change = async (args: Args, c: Parameters<IncidentService['change']>[1]): Promise<string> => {
    const incident = await service.change(target(args), c);
    return incident.id;
  };

  const current = (args: Args): Incident => {
    const incident = service.get(target(args));
    if (!incident) throw new IncidentError('The incident cannot be read.', 'corrupt-record');
    return incident;
  };

  /** A list field (services, clusters): from the argument object, else typed as a comma-separated line. */
  const setList = async (args: Args, field: 'services' | 'locations', prompt: string) => {
    const list = optionalList(args, field) ?? (await ask(prompt, { value: current(args)[field].join(', '), allowEmpty: true })).split(',');
    return change(args, { kind: 'setFields', fields: { [field]: list } });
  };

  const reveal = async (incidentId: string) => {
    if (!deps.treeView.visible) return;
    await deps.treeView.reveal(deps.tree.incidentNode(incidentId), { select: true, focus: false, expand: true });
  };

  return [
    register('incidentCommander.declare', async (args) => {
      let title = optionalString(args, 'title');
      if (title === undefined) title = await ask('What is broken? A short title for the incident', { placeHolder: 'Checkout fails for EU customers' });
      if (!title.trim()) throw new IncidentError('The incident title cannot be empty; nothing was declared.', 'invalid-input');
      let severity = args.severity === undefined ? undefined : parseSeverity(args.severity);
      if (args.severity !== undefined && !severity) throw new IncidentError(`The severity must be one of ${SEVERITIES.join(', ')}.`, 'invalid-input');
      if (!isAutomation(args) || args.title === undefined) {
        const chosen = await vscode.window.showQuickPick(
          [...SEVERITIES.map((s) => ({ label: s as string, description: SEVERITY_HELP[s] })), { label: 'Not known yet', description: 'Set it when you have judged the impact' }],
          { placeHolder: 'Severity', ignoreFocusOut: true },
        );
        if (!chosen) return undefined;
        severity = parseSeverity(chosen.label);
      }
      const input: DeclareInput = {
        title,
        severity,
        services: optionalList(args, 'services'),
        reporter: args.reporter as DeclareInput['reporter'],
        production: optionalBoolean(args, 'production'),
        customerImpact: optionalString(args, 'customerImpact') as CustomerImpact | undefined,
        commander: optionalString(args, 'commander'),
      };
      const incident = await service.declare(input);
      void reveal(incident.id);
      void vscode.window.showInformationMessage(`Declared ${incident.id}: ${incident.title}`);
      return incident.id;
    }),

    register('incidentCommander.setActive', async (args) => {
      let id = optionalString(args, 'incidentId');
      if (!id) {
        const items = service.incidents().map((i) => ({ label: i.id, description: `${i.severity ?? 'SEV?'} · ${i.status}`, detail: i.title }));
        if (items.length === 0) throw new IncidentError('There are no incidents yet.', 'no-incident');
        id = orCancel(await vscode.window.showQuickPick(items, { placeHolder: 'Which incident are you commanding?' }))?.label;
      }
      await service.setActive(id);
      return id;
    }),

    register('incidentCommander.toggleStep', async (args) => {
      const incident = current(args);
      let stepId = optionalString(args, 'stepId');
      const playbook = service.playbook;
      if (!stepId) {
        const subject = conditionSubject(incident);
        const items = [...walkSteps(playbook)]
          .filter((e) => e.depth > 0)
          .map(({ step }) => ({
            label: `${incident.steps[step.id]?.done ? '$(check)' : '$(circle-large-outline)'} ${step.path} ${step.title}`,
            description: stepApplies(step, subject) ? undefined : 'n/a',
            stepId: step.id,
          }));
        stepId = orCancel(await vscode.window.showQuickPick(items, { placeHolder: `Tick or untick a step of ${incident.id}`, matchOnDescription: true }))
          .stepId;
      }
      if (!findStep(playbook, stepId)) throw new IncidentError(`There is no step '${stepId}' in the playbook.`, 'unknown-step');
      const done = optionalBoolean(args, 'done') ?? !incident.steps[stepId]?.done;
      return change(args, { kind: 'toggleStep', stepId, done, note: optionalString(args, 'note') });
    }),

    register('incidentCommander.setSeverity', async (args) => {
      const incident = current(args);
      let severity = args.severity === undefined ? undefined : parseSeverity(args.severity);
      if (args.severity !== undefined && !severity) throw new IncidentError(`The severity must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(args.severity)}).`, 'invalid-input');
      let reason = optionalString(args, 'reason');
      if (!severity) {
        severity = await pick(SEVERITIES, `Severity of ${incident.id}`, SEVERITY_HELP, incident.severity);
        if (reason === undefined && incident.severity && severity !== incident.severity) {
          reason = await ask(`Why ${incident.severity} → ${severity}? (for the timeline; may be empty)`, { allowEmpty: true });
        }
      }
      return change(args, { kind: 'setSeverity', severity, reason });
    }),

    register('incidentCommander.setStatus', async (args) => {
      const incident = current(args);
      const status = (optionalString(args, 'status') as Status | undefined) ?? (await pick(STATUSES, `Status of ${incident.id}`, STATUS_HELP, incident.status));
      return change(args, { kind: 'setStatus', status });
    }),

    register('incidentCommander.addNote', async (args) => {
      const incident = current(args);
      const stepId = optionalString(args, 'stepId');
      const step = stepId ? findStep(service.playbook, stepId) : undefined;
      const text = optionalString(args, 'text') ?? (await ask(step ? `${step.path} ${step.title}` : `Note for the timeline of ${incident.id}`));
      if (!text.trim()) throw new IncidentError('An empty note is not added.', 'invalid-input');
      return change(args, { kind: 'addNote', text, stepId });
    }),

    register('incidentCommander.acknowledge', async (args) => change(args, { kind: 'acknowledge' })),

    register('incidentCommander.setServices', (args) => setList(args, 'services', 'Impacted services, separated by commas')),
    register('incidentCommander.setLocations', (args) => setList(args, 'locations', 'Impacted clusters / datacenters, separated by commas')),

    register('incidentCommander.setProduction', async (args) => {
      const production = optionalBoolean(args, 'production') ?? (await yesNo('Is this a production incident?', 'Yes, production', 'No, not production'));
      return change(args, { kind: 'setFields', fields: { production } });
    }),

    register('incidentCommander.setBridge', async (args) => {
      const incident = current(args);
      let needed = optionalBoolean(args, 'needed');
      let url = optionalString(args, 'url');
      if (needed === undefined && url === undefined) {
        needed = await yesNo('Is a bridge (a live call) necessary?', 'Yes, open a bridge', 'No bridge needed');
        if (needed) url = await ask('Bridge URL (Zoom, Meet, tel:…), or empty to add it later', { value: incident.bridge.url, allowEmpty: true });
      }
      return change(args, { kind: 'setFields', fields: { bridgeNeeded: needed, bridgeUrl: url } });
    }),

    register('incidentCommander.setCustomerImpact', async (args) => {
      const incident = current(args);
      const customerImpact =
        (optionalString(args, 'customerImpact') as CustomerImpact | undefined) ??
        (await pick(CUSTOMER_IMPACTS, 'Customer impact', { none: 'No customer is affected', internal: 'Internal users / engineering only', external: 'External customers are affected' }, incident.customerImpact));
      return change(args, { kind: 'setFields', fields: { customerImpact } });
    }),

    register('incidentCommander.setReporter', async (args) => {
      const kind = (optionalString(args, 'kind') as (typeof REPORTER_KINDS)[number] | undefined) ?? (await pick(REPORTER_KINDS, 'Who reported it?'));
      return change(args, { kind: 'setFields', fields: { reporter: { kind, name: optionalString(args, 'name'), link: optionalString(args, 'link') } } });
    }),

    register('incidentCommander.setRole', async (args) => {
      const incident = current(args);
      const role = (optionalString(args, 'role') as Role | undefined) ?? (await pick(ROLES, 'Which role?'));
      const person = optionalString(args, 'person') ?? (await ask(`Who takes the ${role} role of ${incident.id}?`, { value: incident.roles[role] }));
      return change(args, { kind: 'assignRole', role, person });
    }),

    register('incidentCommander.setProblemRecord', async (args) => {
      const incident = current(args);
      const url = optionalString(args, 'url') ?? (await ask('Problem record (postmortem or ticket URL or key)', { value: incident.problemRecord }));
      return change(args, { kind: 'setFields', fields: { problemRecord: url } });
    }),

    register('incidentCommander.runStepAction', async (args, raw) => {
      const incidentId = target(args);
      const stepId = optionalString(args, 'stepId');
      const step = stepId ? findStep(service.playbook, stepId) : undefined;
      if (!step) throw new IncidentError(`There is no step '${String(stepId)}' in the playbook.`, 'unknown-step');
      if (!step.action) throw new IncidentError(`Step ${step.path} has no action; tick it when it is done.`, 'invalid-input');
      const result = await vscode.commands.executeCommand(step.action, { ...step.actionArgs, incidentId, stepId, ...(isAutomation(raw) ? {} : { fromTree: true }) });
      // The action did the step's work: tick it. A dismissed prompt returns undefined and ticks nothing.
      if (result !== undefined) await service.change(incidentId, { kind: 'toggleStep', stepId: step.id, done: true });
      return result;
    }),

    register('incidentCommander.openRecord', async (args) => {
      const id = optionalString(args, 'incidentId') ?? service.resolveId();
      const file = service.store.incidentFile(id);
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
      return id;
    }),

    register('incidentCommander.openTimeline', async (args) => {
      const id = target(args);
      await vscode.window.showTextDocument(vscode.Uri.file(service.store.timelineFile(id)), { preview: false });
      return id;
    }),

    register('incidentCommander.reveal', async (args) => {
      const id = target(args);
      await vscode.commands.executeCommand('workbench.view.extension.incidentCommander');
      await deps.treeView.reveal(deps.tree.incidentNode(id), { select: true, focus: true, expand: true });
      return id;
    }),

    register('incidentCommander.refresh', async () => {
      await service.refresh();
      return true;
    }),
  ];
}
