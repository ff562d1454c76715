import { createConfigRuleHandler } from '../../shared/lambda/config-rule';
import { rule } from './evaluate';

export const handler = createConfigRuleHandler(rule);
