/* @ohos.app.ability.wantAgent (API 9+; subset): the agent a notification carries so a tap opens the chat. */
import type Want from './@ohos.app.ability.Want';

declare namespace wantAgent {
  enum OperationType {
    UNKNOWN_TYPE = 0,
    START_ABILITY = 1,
    START_ABILITIES = 2,
    START_SERVICE = 3,
    SEND_COMMON_EVENT = 4,
  }
  enum WantAgentFlags {
    ONE_TIME_FLAG = 0,
    NO_BUILD_FLAG = 1,
    CANCEL_PRESENT_FLAG = 2,
    UPDATE_PRESENT_FLAG = 3,
    CONSTANT_FLAG = 4,
  }
  interface WantAgentInfo {
    wants: Array<Want>;
    operationType?: OperationType;
    requestCode: number;
    wantAgentFlags?: Array<WantAgentFlags>;
  }
  function getWantAgent(info: WantAgentInfo): Promise<WantAgent>;
}
export type WantAgent = object;
export default wantAgent;
