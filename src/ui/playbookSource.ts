/**
 * Which playbook is in force: the workspace's own `<storage>/playbook.yaml` when the folder is trusted
 * and the file is valid, else the default procedure shipped with the extension. Problems in the
 * workspace's file go to the Problems panel with their line and column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Playbook, PlaybookParseResult } from '../core/playbook/types';

type ParserModule = { parsePlaybook(text: string): PlaybookParseResult };

let parser: ParserModule | undefined;
/** The YAML parser and schema are a bundle of their own, loaded the first time a workspace playbook is read. */
function loadParser(extensionPath: string): ParserModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (parser ??= require(path.join(extensionPath, 'dist', 'playbook-parser.js')) as ParserModule);
}

export const WORKSPACE_PLAYBOOK_FILE = 'playbook.yaml';

export class PlaybookSource implements vscode.Disposable {
  readonly defaultPlaybook: Playbook;
  private current: Playbook;
  private origin: 'default' | 'workspace' = 'default';
  private readonly changed = new vscode.EventEmitter<Playbook>();
  readonly onDidChange = this.changed.event;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('incidentCommander.playbook');

  constructor(private readonly extensionPath: string) {
    this.defaultPlaybook = JSON.parse(fs.readFileSync(path.join(extensionPath, 'dist', 'default-playbook.json'), 'utf8')) as Playbook;
    this.current = this.defaultPlaybook;
  }

  get playbook(): Playbook {
    return this.current;
  }

  get source(): 'default' | 'workspace' {
    return this.origin;
  }

  /**
   * Reads the workspace playbook at `file` (or none). Untrusted folders get the default and their
   * file is not even parsed. Returns the diagnostics' count of errors.
   */
  async load(file: string | undefined, trusted: boolean): Promise<number> {
    let next = this.defaultPlaybook;
    let origin: 'default' | 'workspace' = 'default';
    let errors = 0;
    this.diagnostics.clear();
    if (file && trusted) {
      let text: string | undefined;
      try {
        text = await fs.promises.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.diagnostics.set(vscode.Uri.file(file), [new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `Cannot read the playbook: ${(err as Error).message}`)]);
          errors = 1;
        }
      }
      if (text !== undefined) {
        const result = loadParser(this.extensionPath).parsePlaybook(text);
        this.diagnostics.set(
          vscode.Uri.file(file),
          result.diagnostics.map((d) => {
            const diag = new vscode.Diagnostic(
              new vscode.Range(d.line - 1, d.column - 1, d.endLine - 1, d.endColumn - 1),
              d.message,
              d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
            );
            diag.source = 'Incident Commander';
            return diag;
          }),
        );
        errors = result.diagnostics.filter((d) => d.severity === 'error').length;
        if (result.playbook && errors === 0) {
          next = result.playbook;
          origin = 'workspace';
        }
      }
    }
    const changed = next !== this.current;
    this.current = next;
    this.origin = origin;
    if (changed) this.changed.fire(next);
    return errors;
  }

  dispose(): void {
    this.changed.dispose();
    this.diagnostics.dispose();
  }
}
