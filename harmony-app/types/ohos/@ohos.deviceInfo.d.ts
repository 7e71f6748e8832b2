/* @ohos.deviceInfo (subset, as in the API 12 SDK: read-only string constants, no permission). */
declare namespace deviceInfo {
  /** (11) Device brand. */
  const brand: string;
  /** (6) External product series, the name the product is sold as; may be empty on development boards. */
  const marketName: string;
  /** (6) Product model. */
  const productModel: string;
}
export default deviceInfo;
