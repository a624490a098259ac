/**
 * Pictures with OpenCV: heatmap overlays, montages, line charts; PNG files written atomically. May
 * use runtime, io; knows nothing of models or explainers (it draws arrays).
 */
package dev.tve.render;
