-- school_aggregates:additive
SELECT
  *
FROM (
  SELECT
    `t5`.`org_id`,
    `t5`.`year`,
    `t5`.`procedure`,
    `t5`.`subject`,
    `t5`.`grade`,
    `t5`.`n0`,
    `t5`.`d0`,
    `t5`.`n1`,
    `t5`.`d1`,
    `t5`.`n2`,
    `t5`.`d2`,
    `t5`.`n3`,
    `t5`.`d3`,
    `t5`.`n4`,
    `t5`.`d4`,
    `t5`.`n5`,
    `t5`.`d5`,
    `t5`.`n6`,
    `t5`.`d6`,
    `t5`.`n7`,
    `t5`.`d7`,
    `t5`.`n8`,
    `t5`.`d8`,
    `t2`.`territory_id`
  FROM (
    SELECT
      `t3`.`org_id`,
      `t3`.`year`,
      `t3`.`procedure`,
      `t3`.`subject`,
      `t3`.`grade`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_220_plus'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_220_plus'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n0`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_220_plus'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d0`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_160_plus'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_160_plus'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n1`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_160_plus'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d1`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              `t3`.`value`,
              0.0
            )
          ) / CAST(SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) AS DOUBLE)
        ) * SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n2`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d2`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_below_threshold'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_below_threshold'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n3`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_below_threshold'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d3`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_mark_2'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n4`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'EGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'EGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d4`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_mark_2'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n5`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d5`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_4'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_5'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND `t3`.`measure` IN ('count_mark_4', 'count_mark_5'),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n6`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_4'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_5'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d6`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              `t3`.`value`,
              0.0
            )
          ) / CAST(SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) AS DOUBLE)
        ) * SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n7`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'mean_score'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'OGE'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'OGE'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d7`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'VPR'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'VPR'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'VPR'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'count_mark_2'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `n8`,
      IF(
        (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'VPR'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'count_mark_2'
              ),
              1,
              0
            )
          ) > 0
        )
        AND (
          SUM(
            IF(
              (
                `t3`.`procedure` = 'VPR'
              )
              AND (
                `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
              )
              AND (
                `t3`.`measure` = 'sat'
              ),
              1,
              0
            )
          ) > 0
        ),
        SUM(
          IF(
            (
              `t3`.`procedure` = 'VPR'
            )
            AND (
              `t3`.`value` IS NOT NULL AND NOT ISNAN(`t3`.`value`)
            )
            AND (
              `t3`.`measure` = 'sat'
            ),
            `t3`.`value`,
            0.0
          )
        ),
        CAST(NULL AS DOUBLE)
      ) AS `d8`
    FROM (
      SELECT
        *
      FROM `school_aggregates` AS `t1`
      WHERE
        `t1`.`procedure` IN ('EGE', 'OGE', 'VPR')
    ) AS `t3`
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS `t5`
  LEFT OUTER JOIN `org_territory` AS `t2`
    ON `t5`.`org_id` = `t2`.`org_id`
) AS `t6`
ORDER BY
  `t6`.`year` ASC NULLS LAST,
  `t6`.`territory_id` ASC,
  `t6`.`org_id` ASC NULLS LAST;
