// The credentials of kubeconfig users, registered as the kubeconfig is loaded (kube/connect.ts, the CLI's
// kubeconfig files, a kubeconfig kept in Secrets Manager): each is then redacted by value, wherever it shows.
import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets, REDACTED, redactSecrets, registerUserSecrets } from '../../shared/redaction.ts';

const R = REDACTED;

afterEach(() => forgetSecrets());

describe('registerUserSecrets', () => {
  it("registers every user's token, password, client key data and the key that data encodes", () => {
    // Prepare: values no shape rule catches, so only their registration can redact them.
    const key = 'client key bytes of ops';
    const keyData = Buffer.from(key).toString('base64');
    const users = [{ token: 'tok-value-0001' }, { password: 'pass-value-0002', keyData }, {}];

    // Act
    registerUserSecrets(users);

    // Assess
    expect(redactSecrets(`a tok-value-0001 b pass-value-0002 c ${keyData} d ${key} e`)).toBe(
      `a ${R} b ${R} c ${R} d ${R} e`,
    );
  });
});
