import { Stack } from 'aws-cdk-lib';
import {
  CfnMicrosoftTeamsChannelConfiguration,
  LoggingLevel,
  SlackChannelConfiguration,
} from 'aws-cdk-lib/aws-chatbot';
import { EventField, type IRuleTarget, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FINDING_EVENT_SOURCE, FindingEventType } from '../shared/alerting/finding-event.ts';
import { ConfigError } from '../shared/errors.ts';

/** EventBridge rule names: at most 64 characters. */
const RULE_NAME_LIMIT = 64;

/**
 * The rule's name, fixed so the topic's key policy can name the rule by ARN (a reference to the rule from
 * the key would be a cycle: key → rule → topic → key).
 */
export function criticalFindingsRuleName(stackName: string): string {
  const name = `${stackName}-critical-findings`;
  if (name.length > RULE_NAME_LIMIT)
    throw new ConfigError(
      `stackName: "${stackName}" leaves no room for the rule "${name}" (EventBridge allows ${RULE_NAME_LIMIT} characters); use a stack name of at most ${RULE_NAME_LIMIT - '-critical-findings'.length} characters or set notifications.criticalFindings: false`,
    );
  return name;
}

/** The rule's ARN on the default bus, as EventBridge presents it in aws:SourceArn. */
export function criticalFindingsRuleArn(stack: Stack): string {
  return `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${criticalFindingsRuleName(stack.stackName)}`;
}

/**
 * The topic as a rule target, without the target's usual grant: the stack's topic and key policies let
 * EventBridge publish for this one rule (conditioned on its ARN and account), not for any rule.
 */
class TopicTarget implements IRuleTarget {
  constructor(
    private readonly topic: ITopic,
    private readonly message: RuleTargetInput,
  ) {}

  bind() {
    return { arn: this.topic.topicArn, input: this.message };
  }
}

/**
 * Each critical "Lease finding opened" event this stack's audit puts on the default bus, to the topic as a
 * message a person reads: which cluster, what, which node, since when, why. Resolutions are not sent (the
 * events stay on the bus for other rules).
 */
export class CriticalFindingsRule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: { topic: ITopic }) {
    super(scope, id);
    const stack = Stack.of(this);
    const field = (name: string) => EventField.fromPath(`$.detail.${name}`);
    this.rule = new Rule(this, 'Rule', {
      ruleName: criticalFindingsRuleName(stack.stackName),
      description: `lease-reaper ${stack.stackName}: critical lease findings, as they open, to the alarm topic`,
      eventPattern: {
        source: [FINDING_EVENT_SOURCE],
        detailType: [FindingEventType.Opened],
        detail: { severity: ['critical'], stack: [stack.stackName] },
      },
      targets: [
        new TopicTarget(
          props.topic,
          RuleTargetInput.fromText(
            [
              `lease-reaper (${stack.stackName}): critical finding in cluster ${field('cluster')}`,
              `${field('type')}: ${field('namespace')}/${field('name')}`,
              `node: ${field('node')}`,
              `since: ${field('since')}`,
              `${field('reason')}`,
            ].join('\n'),
          ),
        ),
      ],
    });
  }
}

export interface ChatChannelsProps {
  topic: ITopic;
  slack?: { workspaceId: string; channelId: string };
  teams?: { teamId: string; channelId: string; tenantId: string };
}

/**
 * AWS Chatbot channels that post the alarm topic's messages. Notifications only: the channel role has no
 * permission, and the channel guardrail is AWSDenyAll, so no command run from the chat can do anything in
 * the account (Chatbot's default guardrail would be AdministratorAccess).
 */
export class ChatChannels extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const name = `${stack.stackName}-alarms`;
    // Chatbot configuration names: at most 128 characters.
    if (name.length > 128)
      throw new ConfigError(
        `stackName: "${stack.stackName}" leaves no room for the chat configuration "${name}" (128 characters)`,
      );
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot: lease-reaper alarm notifications only, no permissions',
    });
    const denyAll = ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll');
    if (props.slack)
      new SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: name,
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [props.topic],
        role: this.role,
        guardrailPolicies: [denyAll],
        // The channel's role (no permission) acts, not each chat user's own.
        userRoleRequired: false,
        loggingLevel: LoggingLevel.NONE,
      });
    if (props.teams)
      new CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: name,
        iamRoleArn: this.role.roleArn,
        teamId: props.teams.teamId,
        teamsChannelId: props.teams.channelId,
        teamsTenantId: props.teams.tenantId,
        snsTopicArns: [props.topic.topicArn],
        guardrailPolicies: [denyAll.managedPolicyArn],
        loggingLevel: LoggingLevel.NONE,
      });
  }
}
