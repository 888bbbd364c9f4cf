// A reload keeps the guest in the room: the page resumes its XEP-0198 session instead of
// signing a new guest in (issue 14).
//
// Why Converse 14 does not do this by itself: it keeps a user's session (the smacks stream id
// and stanza counts, the open rooms) in sessionStorage under the *bare JID*
// (`converse.session-<bare jid>`, src/headless/utils/init.js initSession). A guest signs in
// with only the anonymous domain as its JID, so on a reload Converse looks for
// `converse.session-anon.example`, finds no stream id there (it lives under the guest's own
// address, which the server handed out at bind), and enableStreamManagement
// (plugins/smacks/utils.js) starts a new session: a new guest, while the old one stays in the
// room until the server gives up on it.
//
// So, on leaving the page, this remembers the guest's full JID (when Converse holds a
// resumable session for this room and nickname), and the next load of the same link starts
// Converse with that JID: Converse then finds its own stored session, sends <resume/>, keeps
// the room it had entered (MUC.restoreFromCache checks with a self-ping that we are still in)
// and receives what was said meanwhile. When the session is gone (past
// [limits].guest_resume_timeout), the server answers <failed/> and Converse binds a new guest
// as on a first visit.

const RESUME_KEY = 'palaver.resume';

/**
 * SASL ANONYMOUS that Strophe also offers when the JID has a local part. Strophe's own one
 * applies only to a JID without one (SASLAnonymous.test: authcid === null), and a resume
 * needs the previous JID for Converse to find its session. The server gives a new guest
 * identity either way; the resumption id, not the JID, proves the session is ours.
 */
export function resumingAnonymousMechanism(Strophe) {
  return class ResumingAnonymous extends Strophe.SASLAnonymous {
    test() {
      return true;
    }
  };
}

/**
 * The full JID of this tab's resumable guest session for this room and nickname, if the page
 * left one behind. Read once: a reload that fails to resume signs in anew and leaves its own.
 */
export function takeResumableJid(channel, nick) {
  try {
    const saved = sessionStorage.getItem(RESUME_KEY);
    sessionStorage.removeItem(RESUME_KEY);
    if (!saved) return null;
    const { channel: savedChannel, nick: savedNick, jid } = JSON.parse(saved);
    return savedChannel === channel && savedNick === nick && typeof jid === 'string' ? jid : null;
  } catch {
    return null; // storage disabled or damaged: sign in anew
  }
}

function rememberResumable(channel, nick, jid) {
  try {
    sessionStorage.setItem(RESUME_KEY, JSON.stringify({ channel, nick, jid }));
  } catch {
    // storage disabled: the next load signs in anew
  }
}

/**
 * The Converse plugin: on leaving the page (pagehide, which a reload fires too), remember the
 * session if Converse will keep it, that is with stream management on and a resumption id
 * (Converse then leaves the rooms standing, muc/utils.js onStatusInitialized).
 * `resumeJid`: the address this load resumes, if any.
 */
export function guestResumePlugin(converse, { roomJid, channel, resumeJid }) {
  return {
    initialize() {
      const { _converse } = this;
      const { api } = _converse;
      const { ROOMSTATUS } = converse;
      // Converse lowercases the JID it signs in with (utils/init.js connect), resource
      // included, and after a resume (no bind) keeps it as the session's address: the
      // server then refuses every stanza "from" that other resource (invalid-from). Put the
      // exact address back before <resume/> is answered (once: a later reconnect is a new guest).
      if (resumeJid) {
        api.listen.once('beforeResourceBinding', () => {
          api.connection.get().jid = resumeJid;
        });
        // Too late (the session has ended): bind as a new guest, with a resource the server picks.
        api.listen.once('streamResumptionFailed', () => {
          api.connection.get().jid = converse.env.Strophe.getDomainFromJid(resumeJid);
        });
      }
      window.addEventListener('pagehide', () => {
        const session = _converse.session;
        const muc = _converse.state.chatboxes?.get(roomJid);
        const resumable = api.settings.get('enable_smacks') && session?.get('smacks_stream_id')
          && api.connection.get()?.connected && muc?.session?.get('connection_status') === ROOMSTATUS.ENTERED;
        if (resumable) rememberResumable(channel, muc.get('nick'), session.get('jid'));
      });
    },
  };
}
