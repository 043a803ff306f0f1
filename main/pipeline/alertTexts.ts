// The words of every alert (one per incident, DESIGN §8), English and Vietnamese, opened and
// closed, in one place. A destination's alerts quote the delivery code's own text
// (connectors/destinations/fhir/deliveryCodes.ts), so an incident reads the same as the
// record's last error. No patient data: destination ids, counts and the store's words only.
import type { Texts } from '../../connectors/destinations/fhir/deliveryCodes.js';

export const ALERT_TEXTS = {
  /** Closes destination_down, destination_auth and endpoint_misconfigured. */
  destinationRecovered: (destination: string): Texts => ({
    message: `${destination} accepts records again`,
    messageVi: `${destination} đã nhận hồ sơ trở lại`,
  }),
  /** destination_auth, endpoint_misconfigured: the code's text says what to fix. */
  destinationNeedsOperator: (destination: string, cause: Texts): Texts => ({
    message: `${destination}: ${cause.message}`,
    messageVi: `${destination}: ${cause.messageVi}`,
  }),
  /** destination_down: the circuit opened. */
  destinationDown: (destination: string, cause: Texts): Texts => ({
    message: `${destination} is not answering: ${cause.message}`,
    messageVi: `${destination} không phản hồi: ${cause.messageVi}`,
  }),
  backlogOpened: (destination: string, pending: number, threshold: number): Texts => ({
    message: `${pending} records wait for ${destination} (threshold ${threshold})`,
    messageVi: `${pending} hồ sơ đang chờ gửi tới ${destination} (ngưỡng ${threshold})`,
  }),
  backlogClosed: (destination: string, pending: number): Texts => ({
    message: `the backlog for ${destination} is back to ${pending}`,
    messageVi: `hàng đợi tới ${destination} đã giảm còn ${pending}`,
  }),
  noInputOpened: (workingHours: number): Texts => ({
    message: `no record received for ${workingHours} working hours: check that the HIS still exports and the feeds are connected`,
    messageVi: `không nhận được hồ sơ nào trong ${workingHours} giờ làm việc: kiểm tra HIS còn xuất dữ liệu và các kết nối`,
  }),
  noInputClosed: (): Texts => ({
    message: 'records are arriving again',
    messageVi: 'đã nhận hồ sơ trở lại',
  }),
} as const;
