// cap's link type names and libpcap's open errors, mapped without needing cap or root.

import { describe, expect, it } from 'vitest';
import { describeOpenError, linkTypeNumber } from '../../src/capture/cap-binding.js';

describe('linkTypeNumber', () => {
  it.each([
    ['ETHERNET', 1],
    ['NULL', 0],
    ['RAW', 101],
    ['LINKTYPE_LINUX_SLL', 113],
    ['IEEE802_11_RADIO', 127],
    ['Unknown linktype 276', 276],
    ['Unknown linktype 228', 228],
  ])('%s -> %d', (name, dlt) => {
    expect(linkTypeNumber(name)).toBe(dlt);
  });

  it('returns null for anything else', () => {
    expect(linkTypeNumber('ETHERNET2')).toBeNull();
    expect(linkTypeNumber('Unknown linktype x')).toBeNull();
  });
});

describe('describeOpenError', () => {
  const devices = ['eth0', 'any', 'lo'];
  it('permission', () => {
    expect(describeOpenError('lo', 'tcp port 1863', new Error('socket: Operation not permitted'), devices)).toBe(
      'cannot capture on "lo" (socket: Operation not permitted): live capture needs root or the CAP_NET_RAW capability',
    );
    expect(describeOpenError('eth0', '', new Error("eth0: You don't have permission to capture on that device"), devices)).toMatch(/CAP_NET_RAW/);
  });

  it('no such device lists the valid ones', () => {
    expect(describeOpenError('eth9', 'tcp', new Error('No such device exists'), devices)).toBe(
      'no such capture interface "eth9" (available: eth0, any, lo); see msnsniff interfaces',
    );
  });

  it('filter errors name the filter; device errors do not', () => {
    expect(describeOpenError('lo', 'tcp port', new Error("can't parse filter expression: syntax error"), devices)).toBe(
      'bad capture filter "tcp port": can\'t parse filter expression: syntax error',
    );
    expect(describeOpenError('lo', 'host nowhere.invalid', new Error("unknown host 'nowhere.invalid'"), devices)).toMatch(/^bad capture filter/);
    expect(describeOpenError('eth0', 'tcp', new Error('eth0: That device is not up'), devices)).toBe('cannot capture on "eth0": eth0: That device is not up');
    expect(describeOpenError('lo', 'tcp', new Error('Unable to set buffer size'), devices)).toBe('cannot capture on "lo": Unable to set buffer size');
  });
});
