/** Errors meant for a person: the message says what is wrong and what was (not) done. */
export class IncidentError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid-input' | 'unknown-incident' | 'unknown-step' | 'corrupt-record' | 'newer-schema' | 'locked' | 'no-incident',
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}

/** A record on disk that cannot be read. It is left exactly as it was. */
export class CorruptRecordError extends IncidentError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`The incident record ${file} cannot be read (${reason}). It was left as it is; fix or restore it (git can show its history).`, 'corrupt-record');
    this.name = 'CorruptRecordError';
  }
}
