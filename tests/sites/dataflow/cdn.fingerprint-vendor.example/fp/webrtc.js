// WebRTC local-address probe: no call, no media, no peer: an offer made only to read the ICE candidates.
(function () {
  var connection = new RTCPeerConnection({ iceServers: [] });
  connection.createDataChannel("");
  connection.onicecandidate = function (event) {
    if (event.candidate) window.__localCandidates = (window.__localCandidates || []).concat(event.candidate.candidate);
  };
  connection.createOffer().then(function (offer) {
    return connection.setLocalDescription(offer);
  });
})();
