import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planTaskGroups } from '../../lib/container/schedule.js';

const shape = (plans: ReturnType<typeof planTaskGroups>): Array<[number, number[]]> => plans.map((p) => [p.channels, p.taskIndexes]);

test('channels are spread over at least min(channels, cores) groups', () => {
  // 5 channels on 2 cores: DataX would make one group of 5 and leave a core idle.
  assert.equal(shape(planTaskGroups(5, 5, 5, 2)), [[3, [0, 2, 4]], [2, [1, 3]]]);
  assert.equal(shape(planTaskGroups(2, 2, 5, 2)), [[1, [0]], [1, [1]]]);
});

test('a group never holds more than taskGroupChannels channels', () => {
  const plans = planTaskGroups(40, 12, 5, 2);
  assert.is(plans.length, 3);
  assert.equal(plans.map((p) => p.channels), [4, 4, 4]);
  assert.equal(plans.flatMap((p) => p.taskIndexes).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});

test('more tasks than channels: tasks are dealt in proportion to each group\'s channels', () => {
  const plans = planTaskGroups(10, 3, 5, 2);
  assert.equal(shape(plans), [[2, [0, 2, 3, 5, 6, 8, 9]], [1, [1, 4, 7]]]);
});

test('fewer tasks than channels: only as many channels as tasks', () => {
  assert.equal(shape(planTaskGroups(1, 8, 5, 2)), [[1, [0]]]);
  assert.equal(planTaskGroups(0, 4, 5, 2), []);
});

test('one core: groups come from the 5-channel cap alone', () => {
  assert.equal(shape(planTaskGroups(6, 6, 5, 1)), [[3, [0, 2, 4]], [3, [1, 3, 5]]]);
});

test.run();
