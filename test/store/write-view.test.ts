import { describe, expect, it } from 'vitest';
import type { KeyEvent } from '../../src/log/events.js';
import { KeyState } from '../../src/projections/key-state.js';
import { putEvent } from '../../src/store/record-builders.js';
import { WriteView } from '../../src/store/write-view.js';

const put = (key: string, value: string, revision: number, view: WriteView): KeyEvent =>
  putEvent(key, Buffer.from(value), 0, view.head(key), revision);

describe('WriteView on a log other writers share', () => {
  it('forgets what an attempt that lost its revision staged, even when the tail has passed it', () => {
    const state = new KeyState();
    const view = new WriteView(state);
    state.apply({ revision: 1, timeMs: 0, events: [put('k', 'one', 1, view)] });
    // This writer builds a put of k at revision 2 and stages it...
    view.stage(2, [put('k', 'mine', 2, view)]);
    expect(view.head('k')!.modRevision).toBe(2);
    // ...but another writer's records take revisions 2 and 3, and this node applies them first.
    state.apply({ revision: 2, timeMs: 0, events: [putEvent('other', Buffer.from('x'), 0, null, 2)] });
    state.apply({ revision: 3, timeMs: 0, events: [putEvent('other2', Buffer.from('x'), 0, null, 3)] });
    // The lost attempt never happened: k's head is its committed one, not the staged revision 2.
    expect(view.head('k')!.modRevision).toBe(1);
    expect(Buffer.from(view.value('k')!).toString()).toBe('one');
    expect(view.scan({ kind: 'prefix', prefix: 'k' }, 10).rows.map((r) => r.modRevision)).toEqual([1]);
    // A rebuild at revision 4 versions k after revision 1.
    expect(put('k', 'again', 4, view)).toMatchObject({ prevRevision: 1, version: 2 });
  });

  it('drops what an attempt staged when the builder runs again at the same revision', () => {
    const state = new KeyState();
    const view = new WriteView(state);
    view.stage(1, [put('a', 'first attempt', 1, view)]);
    view.discardFrom(1);
    expect(view.head('a')).toBeNull();
  });
});
