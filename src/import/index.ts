export {
  PEER_FORMATS,
  PEER_FORMAT_NAMES,
  isPeerFormat,
  type PeerFormat,
  type PeerOutput,
} from './peer-output.js';
export { MAX_PEER_OUTPUT, readPeerBytes, readPeerOutput, readPeerStream } from './read-peer-output.js';
export { recheck, leaveOutOwn, type LeftOut, type PresentFile, type Rechecked } from './recheck.js';
export { regroup, type SplitGroup } from './regroup.js';
