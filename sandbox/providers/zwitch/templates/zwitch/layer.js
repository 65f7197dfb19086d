/* paysandbox stand-in for Zwitch's Layer.js: Layer.checkout({token}, onResult, onError)
   opens the sandbox checkout for the token and reports the attempt's result. */
(function () {
  var base = {{ (base_url() + "/zwitch/hosted/layer/")|tojson }};
  window.Layer = {
    checkout: function (options, onResult, onError) {
      if (!options || !options.token) { if (onError) onError({message: "token is required"}); return; }
      var popup = window.open(base + encodeURIComponent(options.token), "zwitch_layer",
                              "width=460,height=640");
      if (!popup) { if (onError) onError({message: "popup blocked"}); return; }
      window.addEventListener("message", function handler(event) {
        if (!event.data || !event.data.paysandboxLayer) return;
        window.removeEventListener("message", handler);
        popup.close();
        if (onResult) onResult(event.data.paysandboxLayer);
      });
    }
  };
})();
