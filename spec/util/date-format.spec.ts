import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DateTime } from '../../channel/value.js';
import { compileDateFormat, dateFormatProblem, formatDateDefault, parseDateLoose, parseDateTimeLoose } from '../../lib/util/date-format.js';

const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date => new Date(y, mo - 1, d, h, mi, s, ms);

/** Runs fn with process.env.TZ set, restoring it after. */
function inZone<T>(tz: string, fn: () => T): T {
  const before = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

test('format: the patterns DataX users write', () => {
  const d = local(2024, 3, 7, 9, 5, 3, 42);
  assert.is(compileDateFormat('yyyy-MM-dd HH:mm:ss').format(d), '2024-03-07 09:05:03');
  assert.is(compileDateFormat('yyyy/MM/dd').format(d), '2024/03/07');
  assert.is(compileDateFormat('yyyyMMdd').format(d), '20240307');
  assert.is(compileDateFormat('yyyyMMddHHmmss').format(d), '20240307090503');
  assert.is(compileDateFormat('HH:mm:ss.SSS').format(d), '09:05:03.042');
  assert.is(compileDateFormat("yyyy-MM-dd'T'HH:mm:ss").format(d), '2024-03-07T09:05:03');
  assert.is(compileDateFormat("yy-M-d 'at' h:mm a").format(d), '24-3-7 at 9:05 AM');
  assert.is(compileDateFormat("EEE, dd MMM yyyy ''HH''").format(d), "Thu, 07 Mar 2024 '09'");
  assert.is(compileDateFormat('EEEE MMMM').format(d), 'Thursday March');
  assert.is(compileDateFormat('hh:mm a').format(local(2024, 1, 1, 0, 30)), '12:30 AM');
  assert.is(compileDateFormat('hh:mm a').format(local(2024, 1, 1, 12, 30)), '12:30 PM');
  assert.is(compileDateFormat('ss.S|ss.SS|ss.SSSSSS').format(d), '03.0|03.04|03.042000');
  assert.is(compileDateFormat('YYYY-MM-dd').format(local(2024, 12, 30)), '2024-12-30');
});

test('format with a zone prints the local offset', () => {
  inZone('Asia/Shanghai', () => {
    const d = new Date(Date.UTC(2024, 0, 5, 2, 4, 5, 67));
    assert.is(compileDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(d), '2024-01-05T10:04:05.067+08:00');
    assert.is(compileDateFormat('yyyy-MM-dd HH:mm:ss Z').format(d), '2024-01-05 10:04:05 +0800');
    assert.is(compileDateFormat('HH X').format(d), '10 +08');
    assert.is(compileDateFormat('HH z').format(d), '10 GMT+08:00');
  });
  inZone('UTC', () => {
    assert.is(compileDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX").format(new Date(Date.UTC(2024, 0, 5))), '2024-01-05T00:00:00Z');
  });
  inZone('America/St_Johns', () => {
    assert.is(compileDateFormat('XXX Z').format(new Date(Date.UTC(2024, 0, 5))), '-03:30 -0330');
  });
});

test('parse: local time for patterns without a zone', () => {
  assert.equal(compileDateFormat('yyyy-MM-dd HH:mm:ss').parse('2024-03-07 09:05:03'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(compileDateFormat('yyyy/MM/dd').parse('2024/03/07'), local(2024, 3, 7));
  assert.equal(compileDateFormat('yyyyMMdd').parse('20240307'), local(2024, 3, 7));
  assert.equal(compileDateFormat('yyyyMMddHHmmss').parse('20240307090503'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(compileDateFormat('HH:mm:ss.SSS').parse('09:05:03.042'), local(1970, 1, 1, 9, 5, 3, 42));
  assert.equal(compileDateFormat("yyyy-MM-dd'T'HH:mm").parse('2024-03-07T09:05'), local(2024, 3, 7, 9, 5));
  assert.equal(compileDateFormat('yyyy-MM-dd').parse('2024-3-7'), local(2024, 3, 7));
  assert.equal(compileDateFormat('dd MMM yyyy').parse('07 mar 2024'), local(2024, 3, 7));
  assert.equal(compileDateFormat('EEE, dd MMMM yyyy').parse('Thu, 07 March 2024'), local(2024, 3, 7));
  assert.equal(compileDateFormat('h:mm a').parse('12:15 AM'), local(1970, 1, 1, 0, 15));
  assert.equal(compileDateFormat('h:mm a').parse('12:15 PM'), local(1970, 1, 1, 12, 15));
  assert.equal(compileDateFormat('h:mm a').parse('3:15 pm'), local(1970, 1, 1, 15, 15));
  assert.equal(compileDateFormat('yyyy-MM-dd').parse('0099-01-01')?.getFullYear(), 99);
});

test('parse: S is a fraction of the second, the milliseconds are kept', () => {
  const f = compileDateFormat('yyyy-MM-dd HH:mm:ss.SSSSSS');
  assert.equal(f.parse('2024-03-07 09:05:03.123456'), local(2024, 3, 7, 9, 5, 3, 123));
  assert.equal(compileDateFormat('ss.S').parse('03.5'), local(1970, 1, 1, 0, 0, 3, 500));
});

test('parse: two-digit years fall within 80 years before and 20 after now', () => {
  const f = compileDateFormat('yy-MM-dd');
  const now = new Date().getFullYear();
  const y = (text: string): number => f.parse(text)!.getFullYear();
  assert.is(y(String((now + 5) % 100).padStart(2, '0') + '-01-01'), now + 5);
  assert.is(y(String((now - 50) % 100).padStart(2, '0') + '-01-01'), now - 50);
});

test('parse: zones give the instant the text names', () => {
  const iso = compileDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
  assert.is(iso.parse('2024-01-05T10:04:05.067+08:00')!.toISOString(), '2024-01-05T02:04:05.067Z');
  assert.is(iso.parse('2024-01-05T10:04:05.067Z')!.toISOString(), '2024-01-05T10:04:05.067Z');
  assert.is(iso.parse('2024-01-05T10:04:05.067-03:30')!.toISOString(), '2024-01-05T13:34:05.067Z');
  const rfc = compileDateFormat('yyyy-MM-dd HH:mm:ss Z');
  assert.is(rfc.parse('2024-01-05 10:04:05 +0800')!.toISOString(), '2024-01-05T02:04:05.000Z');
  assert.is(rfc.parse('2024-01-05 10:04:05 GMT+8')!.toISOString(), '2024-01-05T02:04:05.000Z');
  assert.is(rfc.parse('2024-01-05 10:04:05 UTC')!.toISOString(), '2024-01-05T10:04:05.000Z');
  assert.ok(iso.hasZone);
  assert.not.ok(compileDateFormat('yyyy').hasZone);
});

test('parse: dates that do not exist, and text that does not match, give undefined', () => {
  const f = compileDateFormat('yyyy-MM-dd HH:mm:ss');
  for (const bad of ['2024-02-30 00:00:00', '2023-02-29 00:00:00', '2024-13-01 00:00:00', '2024-00-10 00:00:00', '2024-04-31 00:00:00', '2024-01-01 24:00:00', '2024-01-01 23:60:00', '2024-01-01 23:00:60', '2024-01-01', '2024-01-01 00:00:00 extra', 'x2024-01-01 00:00:00', '', 'abc']) {
    assert.is(f.parse(bad), undefined, bad);
  }
  assert.equal(f.parse('2024-02-29 00:00:00'), local(2024, 2, 29));
  assert.is(compileDateFormat('yyyyMMdd').parse('2024030'), undefined);
  assert.is(compileDateFormat('yyyyMMdd').parse('202403077'), undefined);
  assert.is(compileDateFormat('h:mm a').parse('13:00 PM'), undefined);
  assert.is(compileDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX").parse('2024-01-01T00:00:00+25:00'), undefined);
});

test('format then parse gives the same date, for many dates', () => {
  const patterns = ['yyyy-MM-dd HH:mm:ss.SSS', 'yyyyMMddHHmmssSSS', "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'dd MMM yyyy hh:mm:ss.SSS a Z'];
  for (const p of patterns) {
    const f = compileDateFormat(p);
    for (let t = Date.UTC(1990, 0, 1); t < Date.UTC(2040, 0, 1); t += 86_400_000 * 37 + 3_723_456) {
      const d = new Date(t);
      assert.is(f.parse(f.format(d))?.getTime(), t, `${p} ${d.toISOString()}`);
    }
  }
});

test('bad patterns are errors that say what is wrong', () => {
  assert.throws(() => compileDateFormat('yyyy-MM-dd Q'), /unsupported letter "Q" in date pattern "yyyy-MM-dd Q"/);
  assert.throws(() => compileDateFormat("yyyy'T"), /unterminated quote/);
  assert.is(dateFormatProblem('yyyy-MM-dd'), undefined);
  assert.match(dateFormatProblem('yyyy-MM-ddTHH')!, /unsupported letter "T"/);
});

test('parseDateLoose: the usual shapes', () => {
  assert.equal(parseDateLoose('2024-03-07'), local(2024, 3, 7));
  assert.equal(parseDateLoose('2024-03-07 09:05:03'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(parseDateLoose('2024-03-07 09:05'), local(2024, 3, 7, 9, 5));
  assert.equal(parseDateLoose('2024-03-07 09:05:03.1'), local(2024, 3, 7, 9, 5, 3, 100));
  assert.equal(parseDateLoose('2024-03-07 09:05:03.12'), local(2024, 3, 7, 9, 5, 3, 120));
  assert.equal(parseDateLoose('2024-03-07 09:05:03.123'), local(2024, 3, 7, 9, 5, 3, 123));
  assert.equal(parseDateLoose('2024-03-07 09:05:03.123456'), local(2024, 3, 7, 9, 5, 3, 123));
  assert.equal(parseDateLoose('2024-03-07T09:05:03'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(parseDateLoose('2024/03/07 09:05:03'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(parseDateLoose('20240307'), local(2024, 3, 7));
  assert.equal(parseDateLoose('20240307090503'), local(2024, 3, 7, 9, 5, 3));
  assert.equal(parseDateLoose('09:05:03'), local(1970, 1, 1, 9, 5, 3));
  assert.equal(parseDateLoose(' 2024-03-07 '), local(2024, 3, 7));
  assert.is(parseDateLoose('2024-03-07T09:05:03Z')!.toISOString(), '2024-03-07T09:05:03.000Z');
  assert.is(parseDateLoose('2024-03-07T09:05:03.123456Z')!.toISOString(), '2024-03-07T09:05:03.123Z');
  assert.is(parseDateLoose('2024-03-07T09:05:03+08:00')!.toISOString(), '2024-03-07T01:05:03.000Z');
  assert.is(parseDateLoose('2024-03-07 09:05:03+0800')!.toISOString(), '2024-03-07T01:05:03.000Z');
  assert.is(parseDateLoose('2024-03-07T09:05:03-05')!.toISOString(), '2024-03-07T14:05:03.000Z');
});

test('parseDateLoose: invalid dates and other text give undefined', () => {
  for (const bad of ['2024-02-30', '2023-02-29 10:00:00', '2024-13-01', '2024-01-01 25:00:00', '2024-01-01 10:61', '2024-01-01T10:00:00+24:00', '2024-03-07 Z', 'abc', '', '1709802303', '2024-03-07 09:05:03 PM']) {
    assert.is(parseDateLoose(bad), undefined, bad);
  }
});

test('formatDateDefault: yyyy-MM-dd HH:mm:ss local, .SSS only when ms are not 0, .SSSuuu with microseconds', () => {
  assert.is(formatDateDefault(local(2024, 3, 7, 9, 5, 3)), '2024-03-07 09:05:03');
  assert.is(formatDateDefault(local(2024, 3, 7, 9, 5, 3, 7)), '2024-03-07 09:05:03.007');
  const t = local(2024, 3, 7, 9, 5, 3).getTime();
  assert.is(formatDateDefault(new DateTime(t)), '2024-03-07 09:05:03');
  assert.is(formatDateDefault(new DateTime(t + 7)), '2024-03-07 09:05:03.007');
  assert.is(formatDateDefault(new DateTime(t, 5)), '2024-03-07 09:05:03.000005');
  assert.is(formatDateDefault(new DateTime(t + 120, 450)), '2024-03-07 09:05:03.120450');
});

test('microseconds: DateTime formats them in S fields, parseDateTime and parseDateTimeLoose keep them', () => {
  const t = local(2024, 3, 7, 9, 5, 3, 123).getTime();
  const f = compileDateFormat('yyyy-MM-dd HH:mm:ss.SSSSSS');
  assert.is(f.format(new DateTime(t, 456)), '2024-03-07 09:05:03.123456');
  assert.is(compileDateFormat('ss.SSSSS|ss.SSSSSSSSS|ss.SSS').format(new DateTime(t, 456)), '03.12345|03.123456000|03.123');
  // Text without a zone is a wall-clock reading: its fields are kept as if UTC (kind 'timestamp').
  const wall = (y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, ms = 0, us = 0): DateTime => new DateTime(Date.UTC(y, mo - 1, d, h, mi, sec, ms), us, 'timestamp');
  assert.equal(f.parseDateTime('2024-03-07 09:05:03.123456'), wall(2024, 3, 7, 9, 5, 3, 123, 456));
  assert.equal(compileDateFormat('HH:mm:ss.SSSSSSSSS').parseDateTime('09:05:03.123456789'), wall(1970, 1, 1, 9, 5, 3, 123, 456));
  assert.equal(compileDateFormat('yyyy-MM-dd').parseDateTime('2024-03-07'), wall(2024, 3, 7));
  assert.equal(compileDateFormat("yyyy-MM-dd'T'HH:mm:ssXXX").parseDateTime('2024-03-07T09:05:03+08:00'), new DateTime(Date.UTC(2024, 2, 7, 1, 5, 3), 0, 'timestamptz'));
  assert.is(f.parseDateTime('2024-02-30 09:05:03.123456'), undefined);
  assert.equal(parseDateTimeLoose('2024-03-07 09:05:03.123456'), wall(2024, 3, 7, 9, 5, 3, 123, 456));
  assert.equal(parseDateTimeLoose('2024-03-07 09:05:03.1234'), wall(2024, 3, 7, 9, 5, 3, 123, 400));
  assert.equal(parseDateTimeLoose('2024-03-07T09:05:03.000001Z'), new DateTime(Date.UTC(2024, 2, 7, 9, 5, 3), 1));
  assert.equal(parseDateTimeLoose('2024-03-07'), wall(2024, 3, 7));
  assert.equal(parseDateTimeLoose('23:59:58.5'), new DateTime(Date.UTC(1970, 0, 1, 23, 59, 58, 500), 0, 'time'));
  assert.is(parseDateTimeLoose('2024-02-30'), undefined);
});

test('wall-clock kinds print their stored fields in any time zone, DST gaps included', () => {
  // 02:30 on 2024-03-10 does not exist in America/New_York: a naive timestamp must not move.
  const naive = new DateTime(Date.UTC(2024, 2, 10, 2, 30, 0, 5), 6, 'timestamp');
  const day = new DateTime(Date.UTC(2024, 1, 29), 0, 'date');
  const time = new DateTime(Date.UTC(1970, 0, 1, 23, 59, 58, 120), 0, 'time');
  const f = compileDateFormat('yyyy-MM-dd HH:mm:ss.SSSSSS');
  for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai']) {
    process.env.TZ = tz;
    assert.is(f.format(naive), '2024-03-10 02:30:00.005006', tz);
    assert.is(formatDateDefault(naive), '2024-03-10 02:30:00.005006', tz);
    assert.is(formatDateDefault(day), '2024-02-29', tz);
    assert.is(formatDateDefault(time), '23:59:58.120', tz);
  }
  delete process.env.TZ;
});

test.run();
