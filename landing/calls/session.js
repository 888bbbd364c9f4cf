// One Jingle session (XEP-0166) carrying one RTCPeerConnection: the offer or answer goes as
// session-initiate / session-accept, ICE candidates trickle as transport-info (XEP-0176),
// either side ends it with session-terminate. Received signals are handled one at a time.

import { candidateFromJingle, candidateToJingle, isUdpCandidate, jingleToSdp, NS, sdpToJingle } from './jingle-sdp.js';
import { jingleIq, reason } from './stanzas.js';

// A peer that has not connected by then is not going to.
const CONNECT_TIMEOUT_MS = 30_000;

export class JingleSession {
  /**
   * @param {object} options
   * @param {'initiator'|'responder'} options.role - we offer (initiator) or answer (responder)
   * @param {string} options.peer - the other side's full JID (an occupant's room JID)
   * @param {(session: JingleSession) => void} options.onClose - called once, however it ended
   */
  constructor({ api, env, sid, role, peer, iceServers, relayOnly, onClose }) {
    Object.assign(this, { api, env, sid, role, peer, onClose });
    this.closed = false;
    this.signalled = false;
    this.pendingCandidates = [];
    this.queue = Promise.resolve();
    this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' });
    this.pc.addEventListener('icecandidate', ({ candidate }) => {
      // ICE-TCP candidates have no place in an ICE-UDP transport (XEP-0176).
      if (!candidate?.candidate || !isUdpCandidate(candidate.candidate)) return;
      if (this.signalled) this.sendCandidate(candidate);
      else this.pendingCandidates.push(candidate);
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (this.pc.connectionState === 'failed') this.terminate('failed-transport');
      else if (this.pc.connectionState === 'connected') clearTimeout(this.connectTimer);
    });
    this.connectTimer = setTimeout(() => this.terminate('timeout'), CONNECT_TIMEOUT_MS);
  }

  /** Runs a received signal after the ones before it; a failure ends the session. */
  run(task) {
    this.queue = this.queue.then(() => (this.closed ? undefined : task())).catch((error) => {
      console.warn('Palaver calls:', error);
      this.terminate('failed-application');
    });
    return this.queue;
  }

  send(attrs, children = []) {
    // The peer is gone or refused: nothing more to say to them.
    const unheard = () => {
      if (attrs.action !== 'session-terminate') this.close();
    };
    // Offline (the page has logged out or lost its connection) Converse's sendIQ throws at
    // once, and a session ended then must still close its connection.
    if (!this.api.connection.connected()) {
      unheard();
      return Promise.resolve();
    }
    return this.api.sendIQ(jingleIq(this.env, this.peer, { sid: this.sid, ...attrs }, children)).catch(unheard);
  }

  sendCandidate(candidate) {
    const attrs = candidateToJingle(candidate.candidate);
    this.send({ action: 'transport-info' }, [{
      name: 'content', attrs: { creator: 'initiator', name: candidate.sdpMid }, children: [{
        name: 'transport', attrs: { xmlns: NS.iceUdp, ufrag: candidate.usernameFragment ?? '' },
        children: [{ name: 'candidate', attrs, children: [] }],
      }],
    }]);
  }

  afterSignalling() {
    this.signalled = true;
    for (const candidate of this.pendingCandidates.splice(0)) this.sendCandidate(candidate);
  }

  /** Initiator: offers to receive what the peer sends (`recvonly` per kind), as session-initiate. */
  async offerToReceive(kinds, initiator) {
    for (const kind of kinds) this.pc.addTransceiver(kind, { direction: 'recvonly' });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.send({ action: 'session-initiate', initiator }, sdpToJingle(this.pc.localDescription.sdp, 'initiator'));
    this.afterSignalling();
  }

  /** Initiator: offers to send our tracks and receive the peer's (a call), as session-initiate. */
  async offerToCall(stream, initiator) {
    for (const track of stream.getTracks()) this.pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
    await this.pc.setLocalDescription(await this.pc.createOffer());
    this.send({ action: 'session-initiate', initiator }, sdpToJingle(this.pc.localDescription.sdp, 'initiator'));
    this.afterSignalling();
  }

  /**
   * What the peer sends, as one stream. Its tracks come as the offer and answer make them (the
   * tile showing it exists before), so they are added as they arrive: a stream made of the
   * receivers at the start stayed empty, and the picture black, although frames were decoded.
   */
  receivedStream() {
    const stream = new MediaStream(this.pc.getReceivers().map((receiver) => receiver.track));
    this.pc.addEventListener('track', ({ track }) => {
      if (!stream.getTrackById(track.id)) stream.addTrack(track);
    });
    return stream;
  }

  /**
   * Responder: answers an offer, sending our tracks on the contents that ask for them;
   * `receive`: and receiving the caller's too (a call, not a camera).
   */
  async answerWith(jingle, stream, responder, receive = false) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: jingleToSdp(jingle.children, 'initiator') });
    for (const transceiver of this.pc.getTransceivers()) {
      const track = stream.getTracks().find((candidate) => candidate.kind === transceiver.receiver.track.kind);
      transceiver.direction = track ? (receive ? 'sendrecv' : 'sendonly') : (receive ? 'recvonly' : 'inactive');
      if (track) await transceiver.sender.replaceTrack(track);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    this.send({ action: 'session-accept', responder }, sdpToJingle(this.pc.localDescription.sdp, 'responder'));
    this.afterSignalling();
  }

  /** Initiator: the peer's session-accept. */
  async accepted(jingle) {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: jingleToSdp(jingle.children, 'responder') });
  }

  async addCandidates(jingle) {
    for (const content of jingle.children.filter((child) => child.name === 'content')) {
      for (const transport of content.children.filter((child) => child.name === 'transport')) {
        for (const candidate of transport.children.filter((child) => child.name === 'candidate')) {
          await this.pc.addIceCandidate({ candidate: candidateFromJingle(candidate.attrs), sdpMid: content.attrs.name });
        }
      }
    }
  }

  /** Ends the session and tells the peer why (XEP-0166 reasons). */
  terminate(condition = 'success') {
    if (this.closed) return;
    this.send({ action: 'session-terminate' }, [reason(condition)]);
    this.close();
  }

  /** Ends it without a word (the peer ended it, or is gone). */
  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.pc.close();
    this.onClose(this);
  }
}
