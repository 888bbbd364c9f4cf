/** What the webcam tests read from a page: frames decoded from a camera, who is watching. */
import type { Guest } from './browser.js';

/** Video frames decoded so far from this nickname's camera (inbound-rtp framesDecoded), 0 if not watching. */
export function framesDecoded(guest: Guest, nick: string): Promise<number> {
  return guest.page.evaluate(async (name) => {
    const video = document.querySelector(`.calls-tile[data-nick="${name}"] video`) as (HTMLVideoElement & { palaverPeer?: RTCPeerConnection }) | null;
    if (!video?.palaverPeer) return 0;
    let frames = 0;
    (await video.palaverPeer.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
    });
    return frames;
  }, nick);
}

/** The broadcaster's list of watchers, as shown. */
export async function watchersShown(guest: Guest): Promise<string[]> {
  const items = await guest.page.locator('.calls-watchers li').allTextContents();
  return items.map((text) => text.replace(/Stop$/, '').trim()).sort();
}

/** The type of this side's candidate in the connection to this nickname's camera ('host', 'relay'…), or null. */
export function localCandidateType(guest: Guest, nick: string): Promise<string | null> {
  return guest.page.evaluate(async (name) => {
    const video = document.querySelector(`.calls-tile[data-nick="${name}"] video`) as (HTMLVideoElement & { palaverPeer?: RTCPeerConnection }) | null;
    if (!video?.palaverPeer) return null;
    const reports = new Map<string, Record<string, unknown>>();
    (await video.palaverPeer.getStats()).forEach((report: Record<string, unknown>) => reports.set(report.id as string, report));
    const transport = [...reports.values()].find((report) => report.type === 'transport');
    const pair = reports.get(transport?.selectedCandidatePairId as string);
    return (reports.get(pair?.localCandidateId as string)?.candidateType as string | undefined) ?? null;
  }, nick);
}

type MediaRecord = { palaverPeers: RTCPeerConnection[]; palaverTracks: MediaStreamTrack[] };

/**
 * Makes the page keep every peer connection and every camera or microphone track it opens,
 * so that a test can check that leaving ended them all. Call before the page loads.
 */
export async function recordMedia(guest: Guest): Promise<void> {
  await guest.page.addInitScript(() => {
    const record = window as unknown as MediaRecord;
    record.palaverPeers = [];
    record.palaverTracks = [];
    const NativePeerConnection = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends NativePeerConnection {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        record.palaverPeers.push(this);
      }
    };
    const devices = navigator.mediaDevices;
    const getUserMedia = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      record.palaverTracks.push(...stream.getTracks());
      return stream;
    };
  });
}

/** Of what the page opened (recordMedia): each peer connection's signaling state, each track's readyState. */
export function mediaStates(guest: Guest): Promise<{ peers: string[]; tracks: string[] }> {
  return guest.page.evaluate(() => {
    const record = window as unknown as MediaRecord;
    return {
      peers: record.palaverPeers.map((peer) => peer.signalingState),
      tracks: record.palaverTracks.map((track) => track.readyState),
    };
  });
}
