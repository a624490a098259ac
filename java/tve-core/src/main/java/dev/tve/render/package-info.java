/** Pictures with OpenCV: heatmap overlays, montages, line charts; PNG files written atomically. */
package dev.tve.render;
