import { naturalCompare, naturalDescending } from './natural-sort.util';

it.each([
  [['1', '10', '9', '100', '2'], ['100', '10', '9', '2', '1']],
  [['1720541231756461222', '1720541231756461221', '999'], ['1720541231756461222', '1720541231756461221', '999']],
  [['a2', 'a10', 'a1b', 'b1'], ['b1', 'a10', 'a2', 'a1b']],
  [['007', '7', '8'], ['8', '007', '7']],
])('natural descending %j', (input, want) => expect(naturalDescending(input)).toEqual(want));

it('orders digits by value even past 2^53', () => {
  expect(naturalCompare('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
});
