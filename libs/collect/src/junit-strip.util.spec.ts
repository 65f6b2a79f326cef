import { stripSystemOutErr, stripSystemOutErrBytes } from './junit-strip.util';

describe('stripSystemOutErr', () => {
  it.each([
    ['nothing to strip', '<testsuite><testcase name="a"/></testsuite>', '<testsuite><testcase name="a"/></testsuite>'],
    ['suite-level logs', '<testsuite><system-out>lots\nof log</system-out><testcase name="a"/><system-err>e</system-err></testsuite>', '<testsuite><testcase name="a"/></testsuite>'],
    ['case-level logs at depth', '<testsuites><testsuite><testcase name="a"><failure>f</failure><system-out>x</system-out></testcase></testsuite></testsuites>', '<testsuites><testsuite><testcase name="a"><failure>f</failure></testcase></testsuite></testsuites>'],
    ['self-closing', '<testsuite><system-out/><system-err /></testsuite>', '<testsuite></testsuite>'],
    ['attributes with > inside quotes', '<testsuite><system-out a="x>y">log</system-out></testsuite>', '<testsuite></testsuite>'],
    ['CDATA holding an end tag', '<testsuite><system-out><![CDATA[ </system-out> still log ]]></system-out><testcase name="a"/></testsuite>', '<testsuite><testcase name="a"/></testsuite>'],
    ['markup inside logs', '<testsuite><system-out><b>bold</b> &lt; <!-- c --></system-out></testsuite>', '<testsuite></testsuite>'],
    ['a comment mentioning system-out is kept', '<testsuite><!-- <system-out>x</system-out> --></testsuite>', '<testsuite><!-- <system-out>x</system-out> --></testsuite>'],
    ['similar tag names are kept', '<testsuite><system-outcome>k</system-outcome></testsuite>', '<testsuite><system-outcome>k</system-outcome></testsuite>'],
    ['truncated log runs to the end', '<testsuite><testcase name="a"/><system-out>cut off', '<testsuite><testcase name="a"/>'],
    ['declaration and DOCTYPE kept', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "v">]><testsuite><system-err>e</system-err></testsuite>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "v">]><testsuite></testsuite>'],
    ['empty', '', ''],
  ])('%s', (_name, input, want) => expect(stripSystemOutErr(input)).toBe(want));

  it('strips a 2 MB log in one linear pass', () => {
    const log = 'x'.repeat(2 << 20);
    const xml = `<testsuite><testcase name="a"/><system-out>${log}</system-out></testsuite>`;
    expect(stripSystemOutErr(xml)).toBe('<testsuite><testcase name="a"/></testsuite>');
  });
});

describe('stripSystemOutErrBytes', () => {
  it('cuts on bytes, keeping multi-byte UTF-8 intact', () => {
    const xml = '<testsuite name="é😀"><system-out>日本語 log</system-out><testcase name="ü"/></testsuite>';
    expect(stripSystemOutErrBytes(Buffer.from(xml)).toString('utf8')).toBe('<testsuite name="é😀"><testcase name="ü"/></testsuite>');
  });
  it('returns the same buffer when nothing is cut', () => {
    const b = Buffer.from('<testsuite/>');
    expect(stripSystemOutErrBytes(b)).toBe(b);
  });
});
