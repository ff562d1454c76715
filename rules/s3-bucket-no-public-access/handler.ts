import { createConfigRuleHandler } from '../../shared/config/adapter';
import { rule } from './evaluate';

export const handler = createConfigRuleHandler(rule);
