// The sequences the view keeps besides the fold: per subject its last stream
// sequence (the next append's expected last subject sequence), per group its head
// and the sequences of its events (gateway lag). Confirmed values (follower,
// acknowledged appends) and tentative ones (appends in flight) are kept apart, so a
// rollback never erases a confirmed value that happens to be equal.

/** Puts `previous` back under `key` if the map still holds this tentative `seq` there. */
function restore(
  map: Map<string, number>,
  key: string,
  seq: number,
  previous: number | undefined,
): void {
  if (map.get(key) !== seq) return;
  if (previous === undefined) map.delete(key);
  else map.set(key, previous);
}

function raise(map: Map<string, number>, key: string, seq: number): void {
  map.set(key, Math.max(map.get(key) ?? 0, seq));
}

/** What a tentative sequence replaced, for its rollback. */
export interface TentativeMark {
  /** The subject's last sequence before (confirmed or tentative): the expected last subject sequence. */
  readonly subjectSeq: number;
  readonly tentativeSubjectSeq: number | undefined;
  readonly tentativeHead: number | undefined;
}

export class SequenceBook {
  private readonly subjects = new Map<string, number>();
  private readonly heads = new Map<string, number>();
  private readonly tentativeSubjects = new Map<string, number>();
  private readonly tentativeHeads = new Map<string, number>();
  private readonly groupSeqs = new Map<string, number[]>();

  /** A message the follower delivered; `group` is null when it could not be decoded. */
  followed(subject: string, group: string | null, seq: number): void {
    raise(this.subjects, subject, seq);
    if (group === null) return;
    raise(this.heads, group, seq);
    let seqs = this.groupSeqs.get(group);
    if (seqs === undefined) this.groupSeqs.set(group, (seqs = []));
    seqs.push(seq);
  }

  /** An append the stream acknowledged at `seq`; its tentative marks are dropped. */
  confirmed(subject: string, group: string, seq: number): void {
    raise(this.subjects, subject, seq);
    raise(this.heads, group, seq);
    if (this.tentativeSubjects.get(subject) === seq) this.tentativeSubjects.delete(subject);
    if (this.tentativeHeads.get(group) === seq) this.tentativeHeads.delete(group);
  }

  /** An append in flight, expected to land at `seq`; returns what its rollback needs. */
  tentative(subject: string, group: string, seq: number): TentativeMark {
    const mark = {
      subjectSeq: this.subjectSeq(subject),
      tentativeSubjectSeq: this.tentativeSubjects.get(subject),
      tentativeHead: this.tentativeHeads.get(group),
    };
    this.tentativeSubjects.set(subject, seq);
    raise(this.tentativeHeads, group, seq);
    return mark;
  }

  /** Takes back a tentative append (call newest first). */
  rollback(subject: string, group: string, seq: number, mark: TentativeMark): void {
    restore(this.tentativeSubjects, subject, seq, mark.tentativeSubjectSeq);
    restore(this.tentativeHeads, group, seq, mark.tentativeHead);
  }

  /** Stream sequence of the subject's last event as known here (0 = none). */
  subjectSeq(subject: string): number {
    return Math.max(this.subjects.get(subject) ?? 0, this.tentativeSubjects.get(subject) ?? 0);
  }

  /** Highest event sequence of a group (0 = no event). */
  headOf(group: string): number {
    return Math.max(this.heads.get(group) ?? 0, this.tentativeHeads.get(group) ?? 0);
  }

  /** Groups that have had events, sorted. */
  groups(): string[] {
    return [...new Set([...this.heads.keys(), ...this.tentativeHeads.keys()])].sort();
  }

  /** How many events of `group` the follower saw with a sequence above `seq` (binary search). */
  eventsAfter(group: string, seq: number): number {
    const seqs = this.groupSeqs.get(group) ?? [];
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seqs[mid] ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return seqs.length - lo;
  }
}
