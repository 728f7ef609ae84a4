// A child process for the FIFO test (test/unit/kubeconfig-secret.test.ts): loads the kubeconfig in
// $KUBECONFIG_TEXT the product's way or client-node's way and prints the bearer token it would send, or the
// error. A FIFO named by the kubeconfig blocks this process for ever if it is opened, so the parent learns
// whether a file was opened from whether (and what) this process prints.
import { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFromSecret } from '../../shared/fleet/kubeconfig-secret.ts';

const text = process.env.KUBECONFIG_TEXT ?? '';
try {
  let kc: KubeConfig;
  if (process.argv[2] === 'client-node') {
    kc = new KubeConfig();
    kc.loadFromString(text);
  } else {
    kc = kubeConfigFromSecret(text, { cluster: 'onprem' });
  }
  process.stdout.write(`token: ${kc.getCurrentUser()?.token ?? ''}\n`);
} catch (err) {
  process.stdout.write(`refused: ${(err as Error).message}\n`);
}
