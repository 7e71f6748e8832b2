/** Recording a KeyedListModel's change events and replaying them the way ArkTS LazyForEach applies them (tests). */
import type { Keyed } from '@concord/client-core';
import type { KeyedListModel } from '../entry/src/main/ets/logic/listModel';

/** Records the model's events as 'add3', 'del0', 'chg7', 'reload', until the returned log is dropped. */
export function recordEvents<T extends Keyed>(model: KeyedListModel<T>): string[] {
  const log: string[] = [];
  model.addListener({
    onReloaded: () => log.push('reload'),
    onAdded: (i) => log.push(`add${i}`),
    onDeleted: (i) => log.push(`del${i}`),
    onChanged: (i) => log.push(`chg${i}`),
  });
  return log;
}

/** Applies recorded events to `mirror` as LazyForEach would (reading new rows from the model); returns the new mirror. */
export function replayEvents<T extends Keyed>(mirror: readonly T[], log: readonly string[], model: KeyedListModel<T>): T[] {
  let out = mirror.slice();
  for (const e of log) {
    const i = Number(e.slice(3));
    if (e === 'reload') out = model.all().slice();
    else if (e.startsWith('add')) out.splice(i, 0, model.at(i)!);
    else if (e.startsWith('del')) out.splice(i, 1);
    else out[i] = model.at(i)!;
  }
  return out;
}
