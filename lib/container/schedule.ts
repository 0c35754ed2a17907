/**
 * How tasks are grouped into TaskGroups, each pinned to one worker thread. DataX puts at most
 * `taskGroupChannels` (5) channels in a group; we also spread channels over at least
 * min(channels, cores) groups, because a core left idle is throughput thrown away.
 */
export interface GroupPlan {
  /** Channels (tasks run at once) of this group. */
  channels: number;
  /** Indexes into the job's task list. */
  taskIndexes: number[];
}

export function planTaskGroups(taskCount: number, channels: number, taskGroupChannels: number, cores: number): GroupPlan[] {
  if (taskCount === 0) return [];
  // More channels than tasks would only leave channels idle (DataX adjusts the same way).
  const c = Math.max(1, Math.min(channels, taskCount));
  const groupCount = Math.max(Math.ceil(c / Math.max(1, taskGroupChannels)), Math.min(c, Math.max(1, cores)));
  const groups: GroupPlan[] = Array.from({ length: groupCount }, (_, g) => ({
    channels: Math.floor(c / groupCount) + (g < c % groupCount ? 1 : 0),
    taskIndexes: [],
  }));
  // Deal tasks over channel slots, so each group gets work in proportion to its channels and
  // neighbouring tasks (often neighbouring key ranges or files) land in different groups.
  const slots: number[] = [];
  for (let round = 0; slots.length < c; round++) {
    groups.forEach((g, i) => {
      if (round < g.channels) slots.push(i);
    });
  }
  for (let t = 0; t < taskCount; t++) groups[slots[t % c] as number]!.taskIndexes.push(t);
  return groups;
}
