// The committee dashboard, the statistics page and the big screen (大屏).
// Loaded as a file (no inline script, so a strict CSP can apply): the pages pass their data in
// json_script blocks and data attributes. Charts are ECharts (static/vendor/echarts, no CDN).
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // --- the period selector and the statistics choice ---------------------------------------------

  var PERIOD_FIELDS = {
    month: ["year", "month"],
    quarter: ["year", "quarter"],
    half_year: ["year", "half"],
    year: ["year"],
    custom: ["start", "end"],
    "": []
  };

  function setUpPeriodForm(form) {
    var kind = form.querySelector("[data-period-kind]");
    if (!kind) {
      return;
    }
    function show() {
      var wanted = PERIOD_FIELDS[kind.value] || [];
      form.querySelectorAll("[data-period-field]").forEach(function (input) {
        var wrapper = input.closest("[data-period-wrapper]");
        if (wrapper) {
          wrapper.classList.toggle("d-none", wanted.indexOf(input.getAttribute("data-period-field")) < 0);
        }
      });
    }
    kind.addEventListener("change", show);
    show();

    var measure = form.querySelector("[data-allowed-dimensions]");
    if (!measure) {
      return;
    }
    var allowed = {};
    measure.getAttribute("data-allowed-dimensions").split(";").forEach(function (entry) {
      var parts = entry.split(":");
      allowed[parts[0]] = (parts[1] || "").split(",");
    });
    function restrict() {
      var dimensions = allowed[measure.value] || [];
      ["id_dimension1", "id_dimension2"].forEach(function (id) {
        var select = document.getElementById(id);
        if (!select) {
          return;
        }
        Array.prototype.forEach.call(select.options, function (option) {
          option.disabled = option.value !== "" && dimensions.indexOf(option.value) < 0;
        });
        if (select.selectedOptions.length && select.selectedOptions[0].disabled) {
          select.value = id === "id_dimension1" ? dimensions[0] || "" : "";
        }
      });
    }
    measure.addEventListener("change", restrict);
    restrict();
  }

  // --- charts ----------------------------------------------------------------------------------------

  function pointValue(point) {
    return point !== null && typeof point === "object" ? point.value : point;
  }

  function isEmpty(payload) {
    if (!payload || !payload.series || !payload.series.length) {
      return true;
    }
    return !payload.series.some(function (series) {
      return series.data.some(function (point) {
        return Number(pointValue(point)) > 0;
      });
    });
  }

  function withStyle(point) {
    if (point !== null && typeof point === "object" && point.color) {
      point.itemStyle = { color: point.color };
    }
    return point;
  }

  function buildOption(payload, emptyText, dark) {
    var textColor = dark ? "#dbe6ff" : "#495057";
    var fontSize = dark ? 16 : 12;
    var option = {
      backgroundColor: "transparent",
      animation: !dark,
      textStyle: { fontFamily: "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif" },
      tooltip: { trigger: payload.type === "pie" ? "item" : "axis", confine: true }
    };
    if (isEmpty(payload)) {
      option.tooltip = { show: false };
      option.title = {
        text: emptyText || "—",
        left: "center",
        top: "middle",
        textStyle: { color: "#8a94a6", fontSize: dark ? 22 : 14, fontWeight: "normal" }
      };
      return option;
    }
    if (payload.type === "pie") {
      option.legend = { type: "scroll", bottom: 0, textStyle: { color: textColor } };
      option.series = [{
        type: "pie",
        radius: ["35%", "62%"],
        center: ["50%", "45%"],
        avoidLabelOverlap: true,
        label: { color: textColor, formatter: "{b}: {c}" },
        data: payload.series[0].data.map(withStyle)
      }];
      return option;
    }
    var horizontal = payload.type === "hbar";
    var categoryAxis = {
      type: "category",
      data: payload.categories,
      axisLabel: { color: textColor, fontSize: fontSize, interval: horizontal ? 0 : "auto", hideOverlap: true }
    };
    var valueAxis = { type: "value", minInterval: 1, axisLabel: { color: textColor, fontSize: fontSize } };
    option.grid = { left: horizontal ? 8 : 40, right: 24, top: payload.series.length > 1 ? 36 : 16, bottom: 8, containLabel: true };
    option.xAxis = horizontal ? valueAxis : categoryAxis;
    option.yAxis = horizontal ? categoryAxis : valueAxis;
    if (payload.series.length > 1) {
      option.legend = { type: "scroll", top: 0, textStyle: { color: textColor, fontSize: fontSize } };
    }
    option.series = payload.series.map(function (series) {
      return {
        name: series.name,
        type: payload.type === "line" ? "line" : "bar",
        smooth: false,
        stack: payload.stacked ? "total" : undefined,
        barMaxWidth: 36,
        symbolSize: dark ? 8 : 6,
        lineStyle: dark ? { width: 3 } : undefined,
        data: series.data.map(withStyle)
      };
    });
    return option;
  }

  var charts = [];

  function drawChart(container, payload, options) {
    options = options || {};
    var chart = echarts.getInstanceByDom(container) || echarts.init(container, options.dark ? "dark" : null, { renderer: "canvas" });
    chart.setOption(buildOption(payload, container.getAttribute("data-empty-text"), options.dark), true);
    if (!container.hasAttribute("data-chart-ready")) {
      container.setAttribute("data-chart-ready", "");
      chart.on("click", function (params) {
        if (params.data && params.data.url) {
          window.location.href = params.data.url;
        }
      });
      charts.push(chart);
    }
    if (payload && payload.note && !container.parentNode.querySelector(".chart-note")) {
      var note = document.createElement("p");
      note.className = "chart-note";
      note.textContent = payload.note;
      container.parentNode.appendChild(note);
    }
    return chart;
  }

  function drawPageCharts(data) {
    document.querySelectorAll("[data-chart]").forEach(function (container) {
      var key = container.getAttribute("data-chart");
      drawChart(container, data[key] || { type: "bar", categories: [], series: [] });
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });

  // --- the big screen ------------------------------------------------------------------------------

  function formatFigure(key, figure) {
    if (!figure || figure.value === null || figure.value === undefined) {
      return "—";
    }
    if (key === "closure_rate" || key === "on_time_rate") {
      return (figure.value * 100).toFixed(1);
    }
    if (key === "mean_working_days_to_close") {
      return Number(figure.value).toFixed(1);
    }
    return String(figure.value);
  }

  function formatTime(text) {
    if (!text) {
      return "—";
    }
    var moment = new Date(text);
    function two(number) {
      return number < 10 ? "0" + number : String(number);
    }
    return two(moment.getMonth() + 1) + "-" + two(moment.getDate()) + " " + two(moment.getHours()) + ":" + two(moment.getMinutes());
  }

  function trendPayload(trends, keys, labels) {
    return {
      type: "line",
      categories: trends.months,
      series: keys.filter(function (key) {
        return trends.series[key] !== null && trends.series[key] !== undefined;
      }).map(function (key) {
        return { name: labels[key] || key, data: trends.series[key] };
      })
    };
  }

  function setUpScreen(data) {
    var frame = document.getElementById("screen-frame");
    var status = document.getElementById("screen-status");
    var clock = document.getElementById("screen-clock");

    function fit() {
      var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
      frame.style.transform = scale < 1 ? "scale(" + scale + ")" : "";
    }

    function tick() {
      var now = new Date();
      clock.textContent = now.toLocaleString(document.documentElement.lang || "zh-CN", { hour12: false });
    }

    function render(keyFigures, trends) {
      document.querySelectorAll("[data-screen-figure]").forEach(function (card) {
        var key = card.getAttribute("data-screen-figure");
        var figure = keyFigures[key];
        card.querySelector(".screen-value").textContent = formatFigure(key, figure);
        card.classList.toggle("screen-danger", (key === "overdue_items" || key === "active_breakers") && figure && figure.value > 0);
      });
      document.querySelectorAll("[data-screen-chart]").forEach(function (container) {
        var keys = container.getAttribute("data-series").split(",");
        drawChart(container, trendPayload(trends, keys, data.labels), { dark: true });
      });
      status.classList.remove("screen-stale");
      status.textContent = status.getAttribute("data-live-text") + " " + formatTime(keyFigures.open_items && keyFigures.open_items.as_of) +
        " · " + status.getAttribute("data-rollup-text") + " " + formatTime(trends.as_of);
    }

    function refresh() {
      var options = { credentials: "same-origin", headers: { Accept: "application/json" } };
      Promise.all([fetch(data.api.key_figures, options), fetch(data.api.trends, options)])
        .then(function (responses) {
          responses.forEach(function (response) {
            if (!response.ok) {
              throw new Error("HTTP " + response.status);
            }
          });
          return Promise.all(responses.map(function (response) {
            return response.json();
          }));
        })
        .then(function (bodies) {
          render(bodies[0], bodies[1]);
        })
        .catch(function () {
          // Keep the last figures on screen and say they are not fresh (the server may be restarting).
          status.classList.add("screen-stale");
          status.textContent = status.getAttribute("data-stale-text");
        });
    }

    fit();
    window.addEventListener("resize", fit);
    tick();
    window.setInterval(tick, 1000);
    render(data.key_figures, data.trends);
    window.setInterval(refresh, Math.max(15, data.refresh_seconds || 60) * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".period-form").forEach(setUpPeriodForm);
    if (typeof echarts === "undefined") {
      return;
    }
    var dashboard = readJson("dashboard-charts");
    if (dashboard) {
      drawPageCharts(dashboard);
    }
    var statistics = readJson("statistics-chart");
    if (statistics) {
      drawPageCharts({ statistics: statistics });
    }
    var screen = readJson("screen-data");
    if (screen) {
      setUpScreen(screen);
    }
  });
})();
