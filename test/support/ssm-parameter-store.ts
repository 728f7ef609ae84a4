import {
  GetParameterCommand,
  type GetParameterCommandInput,
  GetParametersByPathCommand,
  type GetParametersByPathCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A Parameter Store behind a real SSMClient, through aws-sdk-client-mock: GetParameter by name (a missing
 * one rejects with ParameterNotFound, as SSM does), and GetParametersByPath as the API Reference describes
 * it — the parameters one level under the path (Recursive false), in alphabetical order, at most
 * MaxResults (1–10) a page with a NextToken while more remain. `pageSize` returns fewer a page than asked,
 * as SSM may ("best effort"). `parameters` can be changed between calls (a deploy under way).
 */
export function parameterStore(parameters: Map<string, string>, options: { pageSize?: number } = {}) {
  const client = new SSMClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const mock = mockClient(client);
  const install = () => {
    mock.on(GetParameterCommand).callsFake(async (input: GetParameterCommandInput) => {
      const value = parameters.get(input.Name ?? '');
      if (value === undefined)
        throw Object.assign(new Error(`parameter ${input.Name} not found`), { name: 'ParameterNotFound' });
      return { Parameter: { Name: input.Name, Type: 'String', Value: value } };
    });
    mock.on(GetParametersByPathCommand).callsFake(async (input: GetParametersByPathCommandInput) => {
      const prefix = `${input.Path}/`;
      const names = [...parameters.keys()]
        .filter((n) => n.startsWith(prefix) && (input.Recursive || !n.slice(prefix.length).includes('/')))
        .sort();
      const from = Number(input.NextToken ?? 0);
      const to = from + Math.min(input.MaxResults ?? 10, options.pageSize ?? 10);
      return {
        Parameters: names
          .slice(from, to)
          .map((Name) => ({ Name, Type: 'String' as const, Value: parameters.get(Name) })),
        ...(to < names.length ? { NextToken: String(to) } : {}),
      };
    });
  };
  install();
  return {
    client,
    mock,
    /** Forget recorded calls, keep serving the parameters. */
    reset: () => {
      mock.reset();
      install();
    },
  };
}
