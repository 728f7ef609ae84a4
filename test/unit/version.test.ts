import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { userAgent, VERSION } from '../../shared/version.ts';

describe('version', () => {
  it("equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });

  it('spells the User-Agent as client-go does, with Go architecture names', () => {
    expect(userAgent('linux', 'x64')).toBe(`lease-reaper/${VERSION} (linux/amd64)`);
    expect(userAgent('linux', 'arm64')).toBe(`lease-reaper/${VERSION} (linux/arm64)`);
    expect(userAgent('darwin', 'arm64')).toBe(`lease-reaper/${VERSION} (darwin/arm64)`);
  });
});
