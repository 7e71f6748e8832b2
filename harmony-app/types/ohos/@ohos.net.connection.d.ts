/* @ohos.net.connection (API 8+; subset). Needs ohos.permission.GET_NETWORK_INFO. Reference §3. */
import type { AsyncCallback, Callback } from './@ohos.base';

declare namespace connection {
  function createNetConnection(netSpecifier?: NetSpecifier, timeout?: number): NetConnection;
  function hasDefaultNetSync(): boolean;

  interface NetSpecifier {
    netCapabilities: NetCapabilities;
    bearerPrivateIdentifier?: string;
  }
  interface NetCapabilities {
    linkUpBandwidthKbps?: number;
    linkDownBandwidthKbps?: number;
    networkCap?: Array<NetCap>;
    bearerTypes: Array<NetBearType>;
  }
  enum NetCap {
    NET_CAPABILITY_MMS = 0,
    NET_CAPABILITY_NOT_METERED = 11,
    NET_CAPABILITY_INTERNET = 12,
    NET_CAPABILITY_NOT_VPN = 15,
    NET_CAPABILITY_VALIDATED = 16,
  }
  enum NetBearType {
    BEARER_CELLULAR = 0,
    BEARER_WIFI = 1,
    BEARER_ETHERNET = 3,
  }
  class NetHandle {
    netId: number;
  }
  interface NetCapabilityInfo {
    netHandle: NetHandle;
    netCap: NetCapabilities;
  }
  interface NetConnection {
    on(type: 'netAvailable', callback: Callback<NetHandle>): void;
    on(type: 'netLost', callback: Callback<NetHandle>): void;
    on(type: 'netUnavailable', callback: Callback<void>): void;
    on(type: 'netCapabilitiesChange', callback: Callback<NetCapabilityInfo>): void;
    /** Subscribe with on() first, then register. 2101008: a callback is already registered. */
    register(callback: AsyncCallback<void>): void;
    unregister(callback: AsyncCallback<void>): void;
  }
}
export default connection;
